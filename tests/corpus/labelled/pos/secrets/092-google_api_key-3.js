# expect: secrets.google_api_key high
# path: src/client.js
const axios = require('axios');
const google_api_key = 'AIzaC-Rl_Te84eqa_08va6yVjQ0qQ2XC6HNCRg9';
module.exports = () => axios.create({ headers: { Authorization: `Bearer ${google_api_key}` } });
