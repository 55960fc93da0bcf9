# expect: secrets.slack_token high
# path: src/client.js
const axios = require('axios');
const slack_bot_token = 'xoxb-9158185080228-6955950988969-UuHMACvnDRrsNV3Oexipc2Wm';
module.exports = () => axios.create({ headers: { Authorization: `Bearer ${slack_bot_token}` } });
