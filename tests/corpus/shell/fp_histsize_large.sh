# expect: none
# path: dotfiles/bashrc.sh
#!/bin/bash
export HISTSIZE=100000
export HISTFILESIZE=200000
shopt -s histappend
