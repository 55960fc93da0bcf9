# expect: none
# path: app/legacy.py
# -*- coding: latin-1 -*-
# vim: set fileencoding=utf-8 :
NAME = "x"
