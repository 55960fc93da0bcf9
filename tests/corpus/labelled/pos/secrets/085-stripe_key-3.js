# expect: secrets.stripe_key high
# path: src/client.js
const axios = require('axios');
const stripe_secret_key = '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';
module.exports = () => axios.create({ headers: { Authorization: `Bearer ${stripe_secret_key}` } });
