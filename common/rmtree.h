/*
 * rmtree.h: removing a directory tree safely, the one way Airlock does it
 * (state directories, scratch trees, caches). Links are removed, never
 * followed; directories deeper than 256 levels are left (and reported).
 */
#ifndef AIRLOCK_RMTREE_H
#define AIRLOCK_RMTREE_H

/* rm -r of path: 0 (also when path does not exist), or AL_EIO naming the
 * first entry that could not be removed, after removing what it could. A
 * path that is itself a symbolic link is refused (AL_EIO), not followed. */
int al_rm_tree(const char *path);

#endif
