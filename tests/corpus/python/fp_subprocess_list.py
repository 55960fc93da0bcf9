# expect: none
# path: app/jobs.py
subprocess.run(["git", "status"], check=True)
subprocess.check_output(["ls", "-l"], shell=False)
use_shell = True
if shell == True:
    pass
data = json.loads(body)
