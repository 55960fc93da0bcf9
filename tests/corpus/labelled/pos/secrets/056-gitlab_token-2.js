# expect: secrets.gitlab_token high
# path: src/client.js
const axios = require('axios');
const gitlab_token = 'glpat-C252D9FYCQXH5IxV0UT8';
module.exports = () => axios.create({ headers: { Authorization: `Bearer ${gitlab_token}` } });
