# expect: secrets.atlassian_token high
# path: src/client.js
const axios = require('axios');
const jira_api_token = 'ATATT3IvLHWoUfXSWMOoPMdY-df4S9HMlDbgW9L8sZlM57agsIhhcAdr0M7GStmVJ5dfvzd1eQYf0YcgsP9rLghhYN3JZglxqzayrYaMNRIuKhWZd_h2cmIZiYzJZhoSJbaD3x9mKaPum-VrVPBGnQhPmyMWiFx8nMYkr4NJSDrssD8CcGNpTW8q7n=95E31827';
module.exports = () => axios.create({ headers: { Authorization: `Bearer ${jira_api_token}` } });
