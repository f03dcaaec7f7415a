# AgentShell: `make` builds bin/agentshell and bin/agentshell-launch.
SHELL := /bin/bash
CC ?= gcc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wformat-security
HARDEN := -fPIE -pie -Wl,-z,noexecstack -Wl,-z,relro,-z,now
BIN := bin
DOTNET ?= dotnet
# AOT=1 (default) publishes a NativeAOT binary (15 ms start-up); AOT=0 a framework-dependent one.
AOT ?= 1
MANAGED_SRC := $(shell find managed -name '*.cs' -o -name '*.csproj') Directory.Build.props

.PHONY: all native managed test test-unit test-e2e bench demo clean setup

all: native managed

native: $(BIN)/agentshell-launch $(BIN)/agentshell-connect.bpf.o

$(BIN)/agentshell-launch: native/launcher/agentshell-launch.c native/launcher/protect.c native/launcher/protect.h
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(WARN) $(HARDEN) -o $@ native/launcher/agentshell-launch.c native/launcher/protect.c

# Root mode's connect programs (libbpf CO-RE; loaded by the supervisor when it runs as root).
BPF_CLANG ?= $(shell command -v clang-14 || command -v clang)
$(BIN)/agentshell-connect.bpf.o: native/bpf/agentshell-connect.bpf.c native/bpf/agentshell-connect.h native/bpf/agentshell-siphash.h
	@mkdir -p $(BIN)
	$(BPF_CLANG) -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include/$(shell uname -m)-linux-gnu -Wall -Werror -c $< -o $@

managed: $(BIN)/agentshell

$(BIN)/agentshell: $(MANAGED_SRC)
	@mkdir -p $(BIN) build
ifeq ($(AOT),1)
	$(DOTNET) publish managed/AgentShell.Cli -c Release -r linux-x64 -p:PublishAot=true -o build/publish --nologo -v quiet
	cp build/publish/agentshell $(BIN)/agentshell
else
	$(DOTNET) publish managed/AgentShell.Cli -c Release -o build/publish --nologo -v quiet
	printf '#!/bin/sh\nexec "%s/build/publish/agentshell" "$$@"\n' "$(CURDIR)" > $(BIN)/agentshell
	chmod +x $(BIN)/agentshell
endif
	@touch $@

# Installs what building and testing need on a fresh machine of this kind (idempotent).
setup:
	./scripts/setup.sh

# Every test: unit tests, the corpus, and the end-to-end tests against the built tool.
test: all
	./scripts/test.sh

# Unit tests only (Core, and the supervisor's logic): no build of the tool needed, seconds.
test-unit:
	$(DOTNET) test tests/AgentShell.Core.Tests --nologo
	$(DOTNET) test tests/AgentShell.Supervisor.Tests --nologo

# End-to-end tests: the real kernel filter, curl, psql and PostgreSQL against bin/.
test-e2e: all
	$(DOTNET) test tests/AgentShell.EndToEnd.Tests -c Release --nologo

demo: all
	./scripts/demo.sh

bench: all
	./tests/bench/run.sh

clean:
	rm -rf $(BIN) build TestResults
	$(DOTNET) clean AgentShell.sln --nologo -v quiet >/dev/null 2>&1 || true
