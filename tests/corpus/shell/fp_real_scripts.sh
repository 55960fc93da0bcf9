# expect: none
# note: lines from real scripts that once gave false positives (gflags Makefile, google-auth scripts)
# path: scripts/release.sh
if [ ! -e ~/.pypirc ]; then echo "no pypirc"; fi
gcloud iam workload-identity-pools providers create-aws aws-provider \
  --attribute-mapping="google.subject=assertion.arn,attribute.aws_role=assertion.arn.extract('assumed-role/{role}/')"
if [ ! -e ~/.pypirc ]; then \
	echo "Please create a ~/.pypirc with the following contents:"; \
fi
