# expect: secrets.shopify_token high
# path: src/client.js
const axios = require('axios');
const shopify_access_token = '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';
module.exports = () => axios.create({ headers: { Authorization: `Bearer ${shopify_access_token}` } });
