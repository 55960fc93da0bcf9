# expect: secrets.slack_token high
# path: src/notify.js
const client = new WebClient("xoxb-2431087654-1200398475-AbCdEfGhIjKlMnOpQr");
