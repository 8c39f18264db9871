{{- define "daxtier.fullname" -}}
{{- printf "%s" .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{- define "daxtier.labels" -}}
app.kubernetes.io/part-of: daxtier
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "daxtier.image" -}}
{{- $tag := default .root.Chart.AppVersion .root.Values.image.tag -}}
{{- printf "%s%s:%s" .root.Values.image.registry .repository $tag -}}
{{- end -}}

{{- define "daxtier.operatorName" -}}{{ include "daxtier.fullname" . }}-operator{{- end -}}
{{- define "daxtier.agentName" -}}{{ include "daxtier.fullname" . }}-agent{{- end -}}
