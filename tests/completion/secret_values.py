"""The secrets planted in the completion tests' workspace, which must never reach a provider."""

AWS_KEY = "AKIAQWERTYUIOPASDFGH"
ENV_SECRET = "hunter2-circle-area-password"
