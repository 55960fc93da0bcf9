# expect: none
# note: a heredoc writing install docs; nothing is run
# path: scripts/make_release_notes.sh
#!/bin/sh
set -e
cat > dist/INSTALL.md <<'EOF'
## Install

    curl -fsSL https://get.acme-tools.dev/install.sh | sh

Then run `acme init`.
EOF
