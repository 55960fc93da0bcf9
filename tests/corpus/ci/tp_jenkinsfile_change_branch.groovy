# expect: ci.script_injection high
# path: Jenkinsfile
pipeline {
  agent any
  stages {
    stage('build') {
      steps {
        sh "git log -1 ${env.CHANGE_BRANCH} && make BRANCH=${env.CHANGE_BRANCH}"
      }
    }
  }
}
