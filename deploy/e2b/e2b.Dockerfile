# The E2B template Agent Squad's sandboxes start from (SQUAD_E2B_TEMPLATE, default "agent-squad").
# Build it with the E2B CLI from the repository root (see docs/e2b.md):
#   e2b template build --name agent-squad --dockerfile deploy/e2b/e2b.Dockerfile --cpu-count 2 --memory-mb 4096
# E2B runs commands as the user `user` (home /home/user); the workspace is /home/user/workspace.
# Every sandbox checks at create that git, setsid, realpath and find are here, and says how to fix it.
FROM e2bdev/base:latest

# git for the repository (it comes in and goes out as git bundles), util-linux for setsid (a
# command's whole process tree is killed on timeout), ripgrep for the agents' searches, Python 3.
RUN apt-get update \
 && apt-get install -y --no-install-recommends git ca-certificates curl util-linux findutils coreutils \
      ripgrep python3 python3-pip python3-venv xz-utils \
 && rm -rf /var/lib/apt/lists/*

# Node 24 (the agent CLIs and most JavaScript projects), from the official binary release; any 24.x.
ARG NODE_VERSION=24.11.1
RUN arch="$(dpkg --print-architecture)"; case "$arch" in amd64) arch=x64 ;; arm64) arch=arm64 ;; esac \
 && curl -fsSL "https://nodejs.org/dist/v${NODE_VERSION}/node-v${NODE_VERSION}-linux-${arch}.tar.xz" \
    | tar -xJ -C /usr/local --strip-components=1 \
 && node --version

# The agent CLIs Agent Squad drives (agents/runtime/cli/): pinned, so a rebuild is reproducible.
RUN npm install -g --no-fund --no-audit \
      @anthropic-ai/claude-code@2.1.328 \
      @openai/codex@0.169.0 \
      opencode-ai@1.18.33 \
      @google/gemini-cli@0.61.0 \
 && pip3 install --no-cache-dir --break-system-packages aider-chat \
 && git config --system init.defaultBranch main

USER user
RUN mkdir -p /home/user/workspace
WORKDIR /home/user/workspace
