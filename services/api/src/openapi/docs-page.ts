/** A self-contained HTML rendering of the OpenAPI document (no scripts, no CDN: works offline). */
const esc = (s: unknown) =>
  String(s ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

type Json = Record<string, unknown>;

function schemaBlock(title: string, schema: unknown): string {
  if (!schema) return '';
  return `<details><summary>${esc(title)}</summary><pre>${esc(JSON.stringify(schema, null, 2))}</pre></details>`;
}

export function renderDocsPage(doc: Json): string {
  const paths = (doc.paths ?? {}) as Record<string, Record<string, Json>>;
  const info = (doc.info ?? {}) as Json;
  const rows: string[] = [];
  const toc: string[] = [];
  let n = 0;
  for (const [p, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const id = `op${n++}`;
      toc.push(
        `<li><a href="#${id}"><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> ${esc(p)}</a></li>`,
      );
      const params = ((op.parameters ?? []) as Json[])
        .map(
          (x) =>
            `<tr><td><code>${esc(x.name)}</code></td><td>${esc(x.in)}</td><td>${x.required ? 'required' : ''}</td><td><code>${esc(JSON.stringify(x.schema ?? {}))}</code></td></tr>`,
        )
        .join('');
      const body = ((op.requestBody as Json | undefined)?.content as Json | undefined)?.[
        'application/json'
      ] as Json | undefined;
      const responses = Object.entries((op.responses ?? {}) as Record<string, Json>)
        .map(([code, r]) => {
          const schema = ((r.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema;
          return `<li><b>${esc(code)}</b> ${esc(r.description)}${schemaBlock('schema', code.startsWith('2') ? schema : undefined)}</li>`;
        })
        .join('');
      rows.push(`<section id="${id}"><h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(p)}</code></h3>
<p>${esc(op.summary)}</p><p class="access">${esc(op.description)}</p>
${params ? `<table><tr><th>parameter</th><th>in</th><th></th><th>schema</th></tr>${params}</table>` : ''}
${schemaBlock('request body', body?.schema)}
<ul class="responses">${responses}</ul></section>`);
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} — reference</title>
<style>
body{font:14px/1.5 system-ui,sans-serif;margin:0;display:flex;color:#1f2328}
nav{width:340px;height:100vh;overflow:auto;position:sticky;top:0;border-right:1px solid #ddd;padding:12px;box-sizing:border-box;background:#f6f8fa}
nav ul{list-style:none;padding:0;margin:0}nav a{text-decoration:none;color:inherit;display:block;padding:2px 0;font-size:13px}
main{flex:1;padding:16px 32px;max-width:1000px}section{border-bottom:1px solid #eee;padding:8px 0 16px}
.m{display:inline-block;min-width:52px;text-align:center;border-radius:4px;color:#fff;font-size:11px;font-weight:700;padding:1px 4px}
.get{background:#1f6feb}.post{background:#1a7f37}.delete{background:#cf222e}.patch{background:#9a6700}.put{background:#8250df}
pre{background:#f6f8fa;padding:8px;overflow:auto;font-size:12px}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:2px 8px;text-align:left}
.access{color:#57606a}
</style></head><body><nav><b>${esc(info.title)} ${esc(info.version)}</b><p><a href="/api/openapi.json">openapi.json</a></p><ul>${toc.join('')}</ul></nav>
<main><h1>${esc(info.title)}</h1><p>${esc(info.description)}</p>${rows.join('\n')}</main></body></html>`;
}
