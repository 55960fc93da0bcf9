# expect: none
# note: substitutions closed before the here-document (on its line before, or in a function) leave it printed text
# path: scripts/help.sh
#!/bin/sh
VERSION=$(git describe --tags 2>/dev/null || echo dev)
show_help() {
    cat <<EOF
acme $VERSION

Install the latest release:
    curl -fsSL https://get.acme-tools.dev/install.sh | sh
Then add it to your PATH in ~/.profile:
    echo 'export PATH=\$HOME/.acme/bin:\$PATH' >> ~/.profile
EOF
}
case "$1" in
    -h|--help) show_help ;;
esac
