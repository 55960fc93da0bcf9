# expect: secrets.github_token high
# path: app/settings.sh
T=$(echo 'tuc_E8zKd2IiY0cA5xGm7LoJ3pWq9UfS4nRhT1vB' | tr 'A-Za-z' 'N-ZA-Mn-za-m')
