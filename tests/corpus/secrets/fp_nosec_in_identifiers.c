# expect: none
# path: net/socket.c
# note: "nosec" as part of an identifier, or as a variable, is not a suppression marker
static inline int sock_sendmsg_nosec(struct socket *sock, struct msghdr *msg)
	err = vfs_getattr_nosec(&child_path, &stat, STATX_INO, AT_STATX_SYNC_AS_STAT);
	ushort scc_nosec; /* receive noise counter */
	iowrite16be(0, &uccup->nosec);
	    struct msghdr *msg_sys, unsigned int flags, int nosec)
	if (unlikely(nosec))
	interrupt-parent = <&vpu_intr1_nosec_intc>;
	__be16 nosec;    /* receive noise counter */
