/*
 * secrets.h: the `secrets` analyzer core (credentials added by a patch, by
 * the run stage, or hidden in a binary post-image).
 *
 * The rules are data: plugins/secrets/secrets_rules.ini (id, severity,
 * message, token prefix and body, documentation examples never reported),
 * compiled into secrets_tables.[ch] by gen_secrets_tables.py. Formats:
 * AWS key ids and secrets (by context), GitHub (ghp_/gho_/ghs_/ghu_/ghr_,
 * github_pat_), GitLab (glpat- and the other gl*- tokens, runner
 * registration), Slack tokens and webhooks, Stripe live keys and webhook
 * secrets, npm, PyPI, OpenAI, Anthropic, Hugging Face, Google API keys and
 * OAuth secrets, GCP service-account key files (private_key_id), Azure
 * storage and shared access keys and Entra ID client secrets, Twilio,
 * SendGrid, Mailgun, DigitalOcean, Shopify, Docker Hub, Databricks, Linear,
 * Postman, Atlassian, private key blocks (PEM, also inside string
 * literals), JWTs, and generic secret-like assignments of high-entropy
 * literals; plus allowlist files and other scanners' allow markers
 * (reported, never obeyed) and `secrets.allowed` (info) for the inline
 * convention. See plugins/common/README.md "Decisions".
 *
 * Only ADDED lines are scanned (and the strings of binary post-images).
 * Evidence is exactly the matched text.
 */
#ifndef AIRLOCK_SECRETS_H
#define AIRLOCK_SECRETS_H

#include "an_core.h"

extern const an_analyzer_t secrets_analyzer;

#endif
