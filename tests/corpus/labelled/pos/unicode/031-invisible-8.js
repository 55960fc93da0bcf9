# expect: unicode.invisible high
# path: server/health.js
const { timeout,ㅤ} = req.query;
const cmds = ['ping -c 1 example.com',ㅤ];
