# expect: secrets.generic_assignment medium
# path: env.sh
export SERVICE_AUTH_TOKEN=Qm9vdHN0cmFwOnM3Y3IzdEtleTE5
