{{- define "sidecarctl-webhook.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}{{ .Release.Name | trunc 63 | trimSuffix "-" }}{{- else -}}{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" }}{{- end -}}
{{- end -}}

{{- define "sidecarctl-webhook.labels" -}}
app.kubernetes.io/name: sidecarctl-webhook
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "sidecarctl-webhook.selector" -}}
app.kubernetes.io/name: sidecarctl-webhook
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "sidecarctl-webhook.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}{{ default (include "sidecarctl-webhook.fullname" .) .Values.serviceAccount.name }}{{- else -}}{{ default "default" .Values.serviceAccount.name }}{{- end -}}
{{- end -}}

{{- define "sidecarctl-webhook.tlsSecret" -}}
{{- default (printf "%s-tls" (include "sidecarctl-webhook.fullname" .)) .Values.tls.existingSecret -}}
{{- end -}}

{{/* Names the apiserver may use for the Service: <svc>.<ns>.svc is what it dials. */}}
{{- define "sidecarctl-webhook.dnsNames" -}}
{{- $svc := include "sidecarctl-webhook.fullname" . -}}
{{- list $svc (printf "%s.%s" $svc .Release.Namespace) (printf "%s.%s.svc" $svc .Release.Namespace) (printf "%s.%s.svc.cluster.local" $svc .Release.Namespace) | toJson -}}
{{- end -}}
