# expect: none
# note: aliases of harmless names, and argv lists that run programs without a shell
# path: tools/release.py
from os import path as osp
from subprocess import run as run_cmd
from json import loads as parse_json

cfg = parse_json(open(osp.join("etc", "release.json")).read())
run_cmd(["git", "tag", "-s", cfg["version"]], check=True)
run_cmd(["make", "-C", "docs", "html"], check=True)
options = {'shell': False, 'check': True}
PROFILE = {'shell': 'bash', 'editor': 'vim'}
