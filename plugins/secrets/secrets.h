/*
 * secrets.h: the `secrets` analyzer core (credentials added by a patch).
 *
 * Rules (rule_id, severity):
 *   secrets.aws_access_key      high      AKIA/ASIA/AGPA/AIDA/AROA... + 16 [A-Z0-9]
 *   secrets.aws_secret_key      critical  40-char key next to an aws/secret keyword
 *                                         or within 5 lines after an access key id
 *   secrets.github_token        high      ghp_/gho_/ghs_/ghu_/ghr_ + 36, github_pat_
 *   secrets.slack_token         high      xox[abprs]-...
 *   secrets.slack_webhook       high      hooks.slack.com/services/...
 *   secrets.private_key         critical  -----BEGIN ... PRIVATE KEY-----
 *   secrets.jwt                 medium    three base64url segments, JSON header
 *   secrets.google_api_key      high      AIza + 35
 *   secrets.stripe_key          high      sk_live_/rk_live_ + 24..
 *   secrets.generic_assignment  medium    keyword = high-entropy literal
 *   secrets.allowlist_file      high      the patch adds/changes a scanner allowlist
 *   secrets.allow_marker        medium    inline allow marker (high when the line
 *                                         also holds a secret)
 * Only ADDED lines are scanned; allow markers and allowlist files never
 * suppress anything. Evidence is exactly the matched text.
 */
#ifndef AIRLOCK_SECRETS_H
#define AIRLOCK_SECRETS_H

#include "an_core.h"

extern const an_analyzer_t secrets_analyzer;

#endif
