# expect: none
# note: Groovy's echo step prints the branch (no shell); the shell reads $CHANGE_BRANCH itself
# path: Jenkinsfile
pipeline {
  agent any
  stages {
    stage('build') {
      steps {
        echo "Building ${env.CHANGE_BRANCH}"
        sh 'make BRANCH="$CHANGE_BRANCH"'
      }
    }
  }
}
