/** The web inbox's one HTML page: the app mounts into #app; the rest is done by the script. */
import { ASSETS_PATH, type Bundle } from "./bundle.ts"

export const pageHtml = (bundle: Bundle) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>Inbox · WhatsApp sales agent</title>
<link rel="icon" href="data:,">
${bundle.stylesheet === null ? "" : `<link rel="stylesheet" href="${ASSETS_PATH}${bundle.stylesheet}">`}
<script type="module" src="${ASSETS_PATH}${bundle.script}"></script>
</head>
<body>
<div id="app"><p class="boot">Loading the inbox…</p></div>
<noscript><p class="boot">The inbox needs JavaScript.</p></noscript>
</body>
</html>
`
