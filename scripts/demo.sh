#!/usr/bin/env bash
# make demo: the quickstart against a local OSS emulator.
#
# Builds the provider and cmd/ossemu, starts the emulator on a free loopback
# port with a directory backend, seeds a source bucket, runs `terraform apply`
# of examples/quickstart through a dev_overrides CLI config, prints the
# outputs and the first report rows, then changes the source and shows
# `terraform plan` detecting exactly those changes. Everything it writes stays
# under .demo/; it leaves nothing running.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
work="$root/.demo"

command -v terraform >/dev/null 2>&1 || {
  echo "terraform CLI not found: install Terraform >= 1.5 and put it on PATH" >&2
  exit 1
}

rm -rf "$work"
mkdir -p "$work/bin" "$work/tf"

step() { printf '\n==> %s\n' "$*"; }

step "building the provider and the OSS emulator"
go build -o "$work/bin/terraform-provider-ossmigrate" .
go build -o "$work/bin/ossemu" ./cmd/ossemu

step "starting the emulator (data in .demo/oss-data)"
"$work/bin/ossemu" serve -listen 127.0.0.1:0 -regions cn-hangzhou,cn-shanghai \
  -data-dir "$work/oss-data" -endpoints-file "$work/endpoints.json" \
  -bucket demo-source:cn-hangzhou -bucket demo-destination:cn-hangzhou \
  >"$work/ossemu.out" 2>"$work/ossemu.log" &
emu_pid=$!
cleanup() {
  kill "$emu_pid" 2>/dev/null || true
  wait "$emu_pid" 2>/dev/null || true
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  [ -s "$work/endpoints.json" ] && break
  kill -0 "$emu_pid" 2>/dev/null || { cat "$work/ossemu.log" >&2; exit 1; }
  sleep 0.1
done
[ -s "$work/endpoints.json" ] || { echo "the emulator did not start" >&2; cat "$work/ossemu.log" >&2; exit 1; }
cat "$work/ossemu.out"
endpoint=$(sed -n 's/.*"cn-hangzhou": *"\([^"]*\)".*/\1/p' "$work/endpoints.json")

step "seeding demo-source: 1,000 objects in nested prefixes, a 200 MiB object, an Archive object"
"$work/bin/ossemu" seed -endpoint "$endpoint" -bucket demo-source -count 1000 -size 4096 \
  -large $((200 << 20)) -archive

# The emulator's documented default account; nothing secret.
export ALIBABA_CLOUD_ACCESS_KEY_ID=LTAIemulatorDefault
export ALIBABA_CLOUD_ACCESS_KEY_SECRET=emulator-default-secret

# Terraform uses the provider just built and never contacts a registry.
cat >"$work/terraformrc" <<CONFIG
provider_installation {
  dev_overrides {
    "registry.terraform.io/ossmigrate/ossmigrate" = "$work/bin"
  }
  direct {}
}
disable_checkpoint = true
CONFIG
export TF_CLI_CONFIG_FILE="$work/terraformrc"
export TF_DATA_DIR="$work/tf/.terraform"
export CHECKPOINT_DISABLE=1
export TF_IN_AUTOMATION=1
export TF_VAR_endpoint="$endpoint"
cp examples/quickstart/main.tf "$work/tf/main.tf"
tf() { terraform -chdir="$work/tf" "$@"; }

# fail shows a step's whole output and stops the demo.
fail() {
  cat "$1" >&2
  echo "demo: $2 failed (output above; the provider's log is .demo/provider.log)" >&2
  exit 1
}

step "terraform apply (examples/quickstart)"
TF_LOG_PROVIDER=INFO TF_LOG_PATH="$work/provider.log" tf apply -auto-approve -no-color >"$work/apply.txt" 2>&1 ||
  fail "$work/apply.txt" "terraform apply"
# Without the dev_overrides warning Terraform prints on every command.
grep -v -e "Provider development overrides" -e "dev_overrides" -e "^ - registry" -e "^ *$" -e "may not be compatible" -e "Warning: Provider development" -e "^│ *$" "$work/apply.txt" || true
echo "(provider log with the engine's progress lines: .demo/provider.log)"

step "outputs"
tf output -no-color

step "changing the source: 3 new objects and 5 rewritten ones (newer than their copies)"
"$work/bin/ossemu" seed -endpoint "$endpoint" -bucket demo-source -count 3 -prefix new/ -salt fresh
"$work/bin/ossemu" seed -endpoint "$endpoint" -bucket demo-source -count 5 -salt v2

step "terraform plan: exactly those 8 objects"
tf plan -no-color -out "$work/tf/incremental.plan" >"$work/plan.txt" 2>&1 || fail "$work/plan.txt" "terraform plan"
grep -e "will be updated" -e "planned_files" -e "planned_bytes" -e "^Plan:" "$work/plan.txt"
grep -q 'planned_files *= *[0-9]* -> 8$' "$work/plan.txt" ||
  fail "$work/plan.txt" "the check that the plan copies exactly the 8 changed objects"
# planned_keys, as the plan shows it (the first keys to copy)
sed -n '/planned_keys/,/]/p' "$work/plan.txt"
echo "(whole plan: .demo/plan.txt)"

step "stopping the emulator"
cleanup
trap - EXIT
echo "demo finished; everything it wrote is in .demo/"
