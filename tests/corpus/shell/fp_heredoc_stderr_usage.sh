# expect: none
# note: a usage message printed to stderr shows an install command; printing it runs nothing
# path: tools/bootstrap.sh
#!/bin/sh
usage() {
    cat <<'EOF' >&2
usage: bootstrap.sh [--prefix DIR]

Without a checkout, install with:
    curl -fsSL https://get.acme-tools.dev/install.sh | sh
    echo 'export PATH=$HOME/.acme/bin:$PATH' >> ~/.bashrc
EOF
    exit 2
}
[ $# -gt 0 ] || usage
