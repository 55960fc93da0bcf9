# expect: python.subprocess_shell high
# path: app/async_jobs.py
proc = await asyncio.create_subprocess_shell(cmd)
