# expect: secrets.gitlab_token high
# path: src/client.js
const axios = require('axios');
const gitlab_token = 'glpat-22ErphBWafZa75WVaOVQ';
module.exports = () => axios.create({ headers: { Authorization: `Bearer ${gitlab_token}` } });
