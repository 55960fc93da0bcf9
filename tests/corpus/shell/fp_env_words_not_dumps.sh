# expect: none
# path: scripts/ci_report.sh
#!/bin/bash
set -euo pipefail
set -x; curl -fsSL -o report.json https://api.example.org/report
declare -p BUILD_ID | curl -s -d @- https://ci.example.org/meta
python3 -c 'import os; print(os.environ["BUILD_ID"])' | curl -s -d @- https://ci.example.org/meta
node -e 'console.log(process.env.BUILD_ID)' | curl -s -d @- https://ci.example.org/meta
export -p > build/env.txt
