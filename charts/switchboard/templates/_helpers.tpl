{{/* Names and labels shared by every template. */}}
{{- define "switchboard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "switchboard.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "switchboard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "switchboard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "switchboard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: switchboard
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "switchboard.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{- define "switchboard.secretName" -}}
{{- default (printf "%s-secrets" (include "switchboard.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "switchboard.operator.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create -}}
{{- default (printf "%s-operator" (include "switchboard.fullname" .)) .Values.operator.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.operator.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.router.serviceAccountName" -}}
{{- if .Values.router.serviceAccount.create -}}
{{- default (printf "%s-router" (include "switchboard.fullname" .)) .Values.router.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.router.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* NATS URL(s) the operator and router connect to. */}}
{{- define "switchboard.natsUrl" -}}
{{- if .Values.nats.bundled.enabled -}}
nats://{{ include "switchboard.fullname" . }}-nats.{{ .Release.Namespace }}.svc:4222
{{- else -}}
{{- required "nats.url is required (an external NATS with JetStream), or set nats.bundled.enabled=true" .Values.nats.url -}}
{{- end -}}
{{- end -}}

{{/* Bytes of the bundled NATS volume (nats.bundled.storage.size: a whole number of Mi, Gi or Ti). */}}
{{- define "switchboard.natsVolumeBytes" -}}
{{- $size := toString .Values.nats.bundled.storage.size -}}
{{- $num := regexFind "^[0-9]+" $size -}}
{{- $unit := trimPrefix $num $size -}}
{{- $factor := get (dict "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776) $unit -}}
{{- if not $factor -}}{{- fail (printf "nats.bundled.storage.size must be a whole number of Mi, Gi or Ti, got %q" $size) -}}{{- end -}}
{{- mul (int64 $num) $factor -}}
{{- end -}}

{{/* JetStream's file store limit on the bundled volume: 90% of it (the rest: filesystem overhead). */}}
{{- define "switchboard.natsMaxFileStore" -}}
{{- div (mul (int64 (include "switchboard.natsVolumeBytes" .)) 9) 10 -}}
{{- end -}}

{{/*
What the router's streams may reserve (SWITCHBOARD_NATS_STORAGE_BUDGET): 80% of the bundled volume, so
the unbounded buckets (config, partitions) and the timers stream keep room below max_file_store; with an
external NATS, nats.storageBudget ("" = the router's defaults, 14Gi).
*/}}
{{- define "switchboard.natsStorageBudget" -}}
{{- if .Values.nats.bundled.enabled -}}
{{- div (mul (int64 (include "switchboard.natsVolumeBytes" .)) 8) 10 -}}
{{- else -}}
{{- .Values.nats.storageBudget -}}
{{- end -}}
{{- end -}}

{{/* NATS credentials and TLS of the router and the operator: environment variables... */}}
{{- define "switchboard.natsEnv" -}}
{{- $auth := .Values.nats.auth -}}
{{- if $auth.existingSecret }}
{{- if eq $auth.type "creds" }}
- name: SWITCHBOARD_NATS_CREDS_FILE
  value: /etc/switchboard/nats-auth/{{ $auth.credsKey }}
{{- else }}
- name: SWITCHBOARD_NATS_USER
  valueFrom: {secretKeyRef: {name: {{ $auth.existingSecret | quote }}, key: {{ $auth.userKey | quote }}}}
- name: SWITCHBOARD_NATS_PASSWORD
  valueFrom: {secretKeyRef: {name: {{ $auth.existingSecret | quote }}, key: {{ $auth.passwordKey | quote }}}}
{{- end }}
{{- end }}
{{- with .Values.nats.tls.secretName }}
- name: SWITCHBOARD_NATS_TLS_CA_FILE
  value: /etc/switchboard/nats-tls/ca.crt
{{- if $.Values.nats.tls.clientCert }}
- name: SWITCHBOARD_NATS_TLS_CERT_FILE
  value: /etc/switchboard/nats-tls/tls.crt
- name: SWITCHBOARD_NATS_TLS_KEY_FILE
  value: /etc/switchboard/nats-tls/tls.key
{{- end }}
{{- end }}
{{- end -}}

{{/* ...their read-only mounts... */}}
{{- define "switchboard.natsVolumeMounts" -}}
{{- if and .Values.nats.auth.existingSecret (eq .Values.nats.auth.type "creds") }}
- name: nats-auth
  mountPath: /etc/switchboard/nats-auth
  readOnly: true
{{- end }}
{{- if .Values.nats.tls.secretName }}
- name: nats-tls
  mountPath: /etc/switchboard/nats-tls
  readOnly: true
{{- end }}
{{- end -}}

{{/* ...and the Secrets behind them. */}}
{{- define "switchboard.natsVolumes" -}}
{{- if and .Values.nats.auth.existingSecret (eq .Values.nats.auth.type "creds") }}
- name: nats-auth
  secret:
    secretName: {{ .Values.nats.auth.existingSecret }}
    defaultMode: 0440
    items: [{key: {{ .Values.nats.auth.credsKey | quote }}, path: {{ .Values.nats.auth.credsKey | quote }}}]
{{- end }}
{{- with .Values.nats.tls.secretName }}
- name: nats-tls
  secret:
    secretName: {{ . }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{- define "switchboard.streamReplicas" -}}
{{- if .Values.nats.bundled.enabled -}}1{{- else -}}{{ .Values.nats.streamReplicas }}{{- end -}}
{{- end -}}

{{/* Restricted pod security: non-root 65532 (distroless "nonroot"), RuntimeDefault seccomp. */}}
{{- define "switchboard.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "switchboard.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* A preferred anti-affinity over nodes for COMPONENT, unless the user set an affinity. */}}
{{- define "switchboard.affinity" -}}
{{- $ctx := index . 0 -}}
{{- $component := index . 1 -}}
{{- $affinity := index . 2 -}}
{{- if $affinity -}}
{{ toYaml $affinity }}
{{- else -}}
podAntiAffinity:
  preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels:
            {{- include "switchboard.selectorLabels" $ctx | nindent 12 }}
            app.kubernetes.io/component: {{ $component }}
{{- end -}}
{{- end -}}

{{/* The operator's rules on Switchboard resources, Secrets and Events (namespaced or cluster-wide). */}}
{{- define "switchboard.operator.rules" -}}
- apiGroups: [switchboard.dev]
  resources: [tenants, servicelevels, oncallschedules, escalationpolicies, responders, channels, maintenancewindows]
  verbs: [get, list, watch]
- apiGroups: [switchboard.dev]
  resources: [tenants/status, servicelevels/status, oncallschedules/status, escalationpolicies/status, responders/status, channels/status, maintenancewindows/status]
  verbs: [get, update, patch]
- apiGroups: [""]
  resources: [secrets]
  # Only the Secrets a Switchboard resource references, read by name: no list, no watch.
  verbs: [get]
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
{{- end -}}
