# expect: none
# path: web/app.js
const r = eval(userInput);
