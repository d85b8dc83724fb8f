{{/*
Names, labels and derived values shared by the templates.
Invariants: the host pod's selector labels never match runner pods (app.kubernetes.io/name differs), and the
runner labels here are the ones host/runtime/kubernetes/pod-spec.ts puts on every runner pod of this release.
*/}}

{{- define "nanoclaw.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "nanoclaw.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "nanoclaw.selectorLabels" -}}
app.kubernetes.io/name: {{ include "nanoclaw.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{- define "nanoclaw.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "nanoclaw.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: nanoclaw
{{- end }}

{{/* Every runner pod of this release (pod-spec.ts runnerLabels / installSelector). */}}
{{- define "nanoclaw.runnerSelectorLabels" -}}
app.kubernetes.io/name: nanoclaw-runner
app.kubernetes.io/managed-by: nanoclaw-host
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The pods of the backup CronJob: not the host's labels, so no Service or policy of the host selects them. */}}
{{- define "nanoclaw.backupSelectorLabels" -}}
app.kubernetes.io/name: nanoclaw-backup
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "nanoclaw.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "nanoclaw.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "nanoclaw.secretName" -}}
{{- default (include "nanoclaw.fullname" .) .Values.secret.existingSecret }}
{{- end }}

{{- define "nanoclaw.pvcName" -}}
{{- default (printf "%s-data" (include "nanoclaw.fullname" .)) .Values.persistence.existingClaim }}
{{- end }}

{{- define "nanoclaw.leaseName" -}}
{{- printf "%s-operator" (include "nanoclaw.fullname" .) }}
{{- end }}

{{- define "nanoclaw.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "nanoclaw.runnerImage" -}}
{{- printf "%s:%s" .Values.runner.image.repository (default .Chart.AppVersion .Values.runner.image.tag) }}
{{- end }}

{{/* The URL runner pods use for the host's runner port (notification channel and credential proxy). */}}
{{- define "nanoclaw.runnerUrl" -}}
{{- printf "http://%s-runner.%s.svc.%s:3001" (include "nanoclaw.fullname" .) .Release.Namespace .Values.clusterDomain }}
{{- end }}

{{/* Watched namespaces, comma-separated, first one holding the Lease; default: the release namespace. */}}
{{- define "nanoclaw.watchNamespaces" -}}
{{- if .Values.watchNamespaces }}
{{- .Values.watchNamespaces | uniq | join "," }}
{{- else }}
{{- .Release.Namespace }}
{{- end }}
{{- end }}

{{/*
Refuses storage backed by a network filesystem (SQLite's locks are not reliable there): by storage class name
always, and by provisioner when lookupStorageClass is on (install/upgrade only; `helm template` has no cluster).
*/}}
{{- define "nanoclaw.checkStorage" -}}
{{- $p := .Values.persistence }}
{{- if not $p.allowNetworkFilesystem }}
{{- $class := $p.storageClass }}
{{- if and $p.existingClaim $p.lookupStorageClass }}
{{- $claim := lookup "v1" "PersistentVolumeClaim" .Release.Namespace $p.existingClaim }}
{{- if $claim }}
{{- $class = $claim.spec.storageClassName | default "-" }}
{{- end }}
{{- end }}
{{- $hint := "SQLite relies on POSIX file locks, which NFS-backed storage does not implement reliably, so the central DB could be corrupted. Use a block-storage class (e.g. ReadWriteOnce), or set persistence.allowNetworkFilesystem=true if this storage really implements POSIX locks." }}
{{- if has $class $p.networkFilesystemClasses }}
{{- fail (printf "persistence: storage class %q is a known network-filesystem (NFS) class. %s" $class $hint) }}
{{- end }}
{{- if $p.lookupStorageClass }}
{{- $sc := dict }}
{{- if eq $class "" }}
{{- range (lookup "storage.k8s.io/v1" "StorageClass" "" "").items }}
{{- if eq (index (.metadata.annotations | default dict) "storageclass.kubernetes.io/is-default-class" | default "") "true" }}
{{- $sc = . }}
{{- end }}
{{- end }}
{{- else if ne $class "-" }}
{{- $sc = lookup "storage.k8s.io/v1" "StorageClass" "" $class }}
{{- end }}
{{- if and $sc (has $sc.provisioner $p.networkFilesystemProvisioners) }}
{{- fail (printf "persistence: storage class %q uses provisioner %q, a network filesystem (NFS). %s" $sc.metadata.name $sc.provisioner $hint) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
