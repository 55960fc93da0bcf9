# expect: python.subprocess_shell medium
# note: platform.py / imaplib.py: the call opens on an earlier line with a computed
# note: command (a parameter, an attribute), shell=True on a later line: every line of the
# note: call is in the patch and none holds outside data, so medium as on one line.
# path: lib/probe.py
import subprocess


def probe(cmd):
    info = subprocess.check_output(cmd,
                                   stdin=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL,
                                   text=True,
                                   shell=True)
    return info


class Stream:
    def open(self):
        self.process = subprocess.Popen(self.command,
            bufsize=4096,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            shell=True, close_fds=True)
