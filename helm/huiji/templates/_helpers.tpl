{{/* Names, labels and the parts shared by every pod of the chart. */}}

{{- define "huiji.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name, at most 55 characters, so that with the longest suffix
     ("-migrate") a resource name stays within Kubernetes' 63. */}}
{{- define "huiji.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 55 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 55 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 55 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "huiji.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "huiji.selectorLabels" -}}
app.kubernetes.io/name: {{ include "huiji.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "huiji.labels" -}}
helm.sh/chart: {{ include "huiji.chart" . }}
{{ include "huiji.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: huiji
{{- end }}

{{- define "huiji.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "huiji.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "huiji.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "huiji.secretName" -}}
{{- default (include "huiji.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* Pod annotations: a change of the ConfigMap or the Secret rolls the pods. */}}
{{- define "huiji.podAnnotations" -}}
checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
checksum/secret: {{ include (print .Template.BasePath "/secret.yaml") . | sha256sum }}
{{- with .Values.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Pod spec fields shared by the Deployments and the migration Job. */}}
{{- define "huiji.podCommon" -}}
automountServiceAccountToken: {{ .Values.serviceAccount.automountToken }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir: {}
{{- end }}

{{/* Container fields shared by every container running the application image. */}}
{{- define "huiji.containerCommon" -}}
image: {{ include "huiji.image" . }}
imagePullPolicy: {{ .Values.image.pullPolicy }}
securityContext:
  {{- toYaml .Values.containerSecurityContext | nindent 2 }}
envFrom:
  - configMapRef:
      name: {{ include "huiji.fullname" . }}
  - secretRef:
      name: {{ include "huiji.secretName" . }}
volumeMounts:
  - name: tmp
    mountPath: /tmp
{{- end }}
