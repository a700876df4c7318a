{{- define "reaper.name" -}}{{ .Release.Name }}-sidecarctl-reaper{{- end -}}
{{- define "reaper.podRules" -}}
# Watch pods and read them fresh before acting.
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list, watch, patch{{ if eq .Values.lastResort "delete-pod" }}, delete{{ end }}]
{{- if .Values.exec }}
# Stop steps run inside the sidecar container: its own stop command, or kill.
- apiGroups: [""]
  resources: [pods/exec]
  verbs: [create, get]
{{- end }}
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create]
{{- end -}}
