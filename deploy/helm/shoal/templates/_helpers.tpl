{{/* Object names: the release name, or release-chart when the release name lacks "shoal". */}}
{{- define "shoal.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "shoal.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "shoal.labels" -}}
{{ include "shoal.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Namespace of the Lease, history and peers, and the services' default. */}}
{{- define "shoal.kubeNamespace" -}}
{{- .Values.kubernetes.namespace | default .Release.Namespace -}}
{{- end -}}

{{/* The Secret holding the admin token: an existing one, or the chart's. */}}
{{- define "shoal.adminSecret" -}}
{{- .Values.admin.existingSecret | default (printf "%s-admin" (include "shoal.fullname" .)) -}}
{{- end -}}
