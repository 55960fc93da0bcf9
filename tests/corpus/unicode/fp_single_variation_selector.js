# expect: none
# path: src/icons.js
const ok = "✅️";
const text = "☺︎";
