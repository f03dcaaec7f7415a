# AgentShell: `make` builds bin/agentshell and bin/agentshell-launch; `make install` installs them.
SHELL := /bin/bash
CC ?= gcc
CFLAGS ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wformat-security
HARDEN := -fPIE -pie -Wl,-z,noexecstack -Wl,-z,relro,-z,now
BIN := bin
DOTNET ?= dotnet
# AOT=1 (default) publishes a NativeAOT binary (15 ms start-up); AOT=0 a framework-dependent one.
AOT ?= 1
# obj/ and bin/ are build output (generated AssemblyInfo.cs and the like): listing them made every test
# build look like a source change and rebuild bin/ partway through a test run.
MANAGED_SRC := $(shell find managed \( -name obj -o -name bin \) -prune -o \( -name '*.cs' -o -name '*.csproj' -o -path '*/Tools/*.json' \) -print) Directory.Build.props managed/AgentShell.Cli/NoCertificateDownloads.xml native/prefault/prefault.c

.PHONY: all native managed test test-unit test-e2e bench soak demo clean setup install uninstall

# MSBuild takes environment variables as properties: BenchNoVerify=true in the environment would
# build the bench's variant without exec verification into bin/ (bench.py builds it apart itself).
ifneq ($(BenchNoVerify),)
$(error BenchNoVerify is set in the environment; unset it: it builds agentshell without exec verification)
endif

all: native managed

native: $(BIN)/agentshell-launch $(BIN)/agentshell-connect.bpf.o

# A machine that lacks a build tool or header stops at the first one missing, named, with the fix
# (a bare compiler error said neither). $(call need,COMPILER,HEADER,WHAT)
SETUP_FIX := run ./scripts/setup.sh, which installs what is missing
need = @echo '\#include <$(2)>' | $(1) -E -x c - >/dev/null 2>&1 || { echo "make: $(3) not found ($(2) with $(firstword $(1))): $(SETUP_FIX)" >&2; exit 1; }
need_cmd = @command -v $(firstword $(1)) >/dev/null || { echo "make: $(2) not found ($(firstword $(1))): $(SETUP_FIX)" >&2; exit 1; }

$(BIN)/agentshell-launch: $(wildcard native/launcher/*.c native/launcher/*.h)
	$(call need_cmd,$(CC),the C compiler)
	$(call need,$(CC),linux/seccomp.h,the kernel headers)
	@mkdir -p $(BIN)
	$(CC) $(CFLAGS) $(WARN) $(HARDEN) -o $@ native/launcher/agentshell-launch.c native/launcher/filter.c native/launcher/protect.c native/launcher/die.c

# Root mode's connect programs (libbpf CO-RE; loaded by the supervisor when it runs as root).
BPF_CLANG ?= $(shell command -v clang-14 || command -v clang)
$(BIN)/agentshell-connect.bpf.o: native/bpf/agentshell-connect.bpf.c native/bpf/agentshell-connect.h native/bpf/agentshell-siphash.h native/bpf/agentshell-area-hash.h
	@[ -n "$(BPF_CLANG)" ] || { echo "make: clang not found (clang-14 builds the BPF programs): $(SETUP_FIX)" >&2; exit 1; }
	$(call need,$(BPF_CLANG) -target bpf -I/usr/include/$(shell uname -m)-linux-gnu,bpf/bpf_helpers.h,the libbpf headers (libbpf-dev))
	@mkdir -p $(BIN)
	$(BPF_CLANG) -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include/$(shell uname -m)-linux-gnu -Wall -Werror -c $< -o $@

managed: $(BIN)/agentshell

$(BIN)/agentshell: $(MANAGED_SRC)
	@command -v $(DOTNET) >/dev/null || { echo "make: the .NET 10 SDK ($(DOTNET)) is not on PATH: install it, then run ./scripts/setup.sh" >&2; exit 1; }
	@mkdir -p $(BIN) build
ifeq ($(AOT),1)
	$(DOTNET) publish managed/AgentShell.Cli -c Release -r linux-x64 -p:PublishAot=true -o build/publish --nologo -v quiet
	@# A new file renamed over the old: a running agentshell keeps its image (cp would fail: text file busy).
	cp build/publish/agentshell $(BIN)/.agentshell.new && mv -f $(BIN)/.agentshell.new $(BIN)/agentshell
else
	$(DOTNET) publish managed/AgentShell.Cli -c Release -o build/publish --nologo -v quiet
	printf '#!/bin/sh\nexec "%s/build/publish/agentshell" "$$@"\n' "$(CURDIR)" > $(BIN)/agentshell
	chmod +x $(BIN)/agentshell
endif
	@touch $@

# make install [PREFIX=/usr/local] [DESTDIR=/staging]: the layout the installed agentshell finds
# by its own path (no environment variables), so it is fixed relative to PREFIX:
#   $(PREFIX)/bin/agentshell                                  the CLI (one NativeAOT executable)
#   $(PREFIX)/libexec/agentshell/agentshell-launch            the launcher
#   $(PREFIX)/libexec/agentshell/agentshell-connect.bpf.o     root mode's connect programs
#   $(PREFIX)/share/agentshell/profiles/*.json                the shipped profiles (default.json first)
#   $(PREFIX)/share/agentshell/installed-files                what was installed, for `make uninstall`
PREFIX ?= /usr/local
INSTALL ?= install
LIBEXEC_DIR := $(PREFIX)/libexec/agentshell
SHARE_DIR := $(PREFIX)/share/agentshell
MANIFEST := $(SHARE_DIR)/installed-files
PROFILE_FILES := $(sort $(wildcard profiles/*.json))
INSTALLED := $(PREFIX)/bin/agentshell $(LIBEXEC_DIR)/agentshell-launch $(LIBEXEC_DIR)/agentshell-connect.bpf.o \
	$(patsubst profiles/%,$(SHARE_DIR)/profiles/%,$(PROFILE_FILES))

install: all
	@if [ "$$(head -c 2 $(BIN)/agentshell)" = '#!' ]; then echo "make install needs the NativeAOT build (AOT=1): $(BIN)/agentshell is a wrapper script" >&2; exit 1; fi
	$(INSTALL) -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(LIBEXEC_DIR) $(DESTDIR)$(SHARE_DIR)/profiles
	$(INSTALL) -m 0755 $(BIN)/agentshell $(DESTDIR)$(PREFIX)/bin/agentshell
	$(INSTALL) -m 0755 $(BIN)/agentshell-launch $(DESTDIR)$(LIBEXEC_DIR)/agentshell-launch
	$(INSTALL) -m 0644 $(BIN)/agentshell-connect.bpf.o $(DESTDIR)$(LIBEXEC_DIR)/agentshell-connect.bpf.o
	$(INSTALL) -m 0644 $(PROFILE_FILES) $(DESTDIR)$(SHARE_DIR)/profiles/
	printf '%s\n' $(INSTALLED) > $(DESTDIR)$(MANIFEST)

# Removes exactly what `make install` recorded in its manifest (same PREFIX and DESTDIR), then the
# directories it made if they are empty.
uninstall:
	@if [ ! -f $(DESTDIR)$(MANIFEST) ]; then echo "nothing to uninstall: no $(DESTDIR)$(MANIFEST) (installed with another PREFIX or DESTDIR?)" >&2; exit 1; fi
	while IFS= read -r f; do case "$$f" in $(PREFIX)/*) rm -f "$(DESTDIR)$$f";; *) echo "skipping $$f: not under $(PREFIX)" >&2;; esac; done < $(DESTDIR)$(MANIFEST)
	rm -f $(DESTDIR)$(MANIFEST)
	rmdir $(DESTDIR)$(SHARE_DIR)/profiles $(DESTDIR)$(SHARE_DIR) $(DESTDIR)$(LIBEXEC_DIR) 2>/dev/null || true
	@# Root mode's pool of pre-loaded programs stays pinned in the kernel until removed (running
	@# supervisors hold their own descriptors, so removing the pins never touches a live run).
	@if [ -z "$(DESTDIR)" ] && [ -d /sys/fs/bpf/agentshell/pool ]; then rm -rf /sys/fs/bpf/agentshell/pool && echo "removed the pinned program pool /sys/fs/bpf/agentshell/pool"; fi

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

# The cost table (tests/bench/results.md): ~5 minutes on a quiet machine.
bench: all
	./tests/bench/run.sh

# Long load and fault cases and two minutes of AFL++ per fuzz target (not part of make test).
soak: all
	./scripts/soak.sh

clean:
	rm -rf $(BIN) build TestResults
	$(DOTNET) clean AgentShell.sln --nologo -v quiet >/dev/null 2>&1 || true
