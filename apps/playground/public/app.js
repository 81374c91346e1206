// The playground page: a form built from the task registry, and one card per task fed by the
// router's Server-Sent Events. Plain ES module, no build step.

const API = '/api/tasks';
const STORE_KEY = 'runway-rx-playground.tasks';
const FINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED', 'ERROR']);
/** The router streams at most this many tasks on one connection. */
const IDS_PER_STREAM = 50;

const $ = (selector) => document.querySelector(selector);
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key in node && typeof value !== 'string') node[key] = value;
    else node.setAttribute(key, value === true ? '' : value);
  }
  node.append(...children.filter((child) => child !== undefined && child !== null));
  return node;
};

const state = {
  /** `{ mode, taskTypes, mediaLimits, samples? }` from `/api/registry`. */
  registry: undefined,
  /** The form's controls for the current model. */
  controls: [],
  /** Tasks by handle: `{ handle, type, model, prompt, view, node }`. */
  tasks: new Map(),
  source: undefined,
  reconnectTimer: undefined,
  connectQueued: false,
};

// ---------------------------------------------------------------------------------------------
// Rules shared with the server: the same limits, read from the registry.

const humanize = (name) => name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
const kindsOf = (media) =>
  String(media ?? '')
    .split('|')
    .filter(Boolean);
const formatBytes = (n) =>
  n >= 1048576 ? `${(n / 1048576).toFixed(1)} MB` : `${Math.max(1, Math.round(n / 1024))} KB`;

/** Why `value` is not a media URI of one of `kinds` (same rules as the server), or undefined. */
function checkMedia(value, kinds) {
  const limits = state.registry.mediaLimits;
  const rule =
    `must be an https:// URL (${limits.httpsMinLength}–${limits.httpsMaxLength} characters, not an IP address), ` +
    `a runway:// upload URI or a ${kinds.map((kind) => `data:${kind}/…`).join(' or ')} URI`;
  if (value.startsWith('https://')) {
    if (value.length < limits.httpsMinLength || value.length > limits.httpsMaxLength) return rule;
    try {
      const host = new URL(value).hostname;
      if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith('[')) return rule;
    } catch {
      return rule;
    }
    return undefined;
  }
  if (value.startsWith('runway://')) return value.length <= limits.runwayMaxLength ? undefined : rule;
  for (const kind of kinds) {
    if (value.startsWith(`data:${kind}/`)) {
      const max = limits.dataUri[kind];
      return value.length <= max ? undefined : `is too large: at most ${formatBytes(max)} as a data URI`;
    }
  }
  return rule;
}

/** An object holding a media `uri` whose other required fields are fixed (`{type: "video", uri}`). */
function objectShape(schema) {
  if (schema?.type !== 'object' || !schema.properties?.uri?.media) return undefined;
  const fixed = {};
  for (const name of schema.required ?? []) {
    if (name === 'uri') continue;
    const property = schema.properties[name] ?? {};
    const value = property.const ?? (property.enum?.length === 1 ? property.enum[0] : undefined);
    if (value === undefined) return undefined;
    fixed[name] = value;
  }
  return {
    label: typeof fixed.type === 'string' ? fixed.type : kindsOf(schema.properties.uri.media).join(' or '),
    kinds: kindsOf(schema.properties.uri.media),
    build: (uri) => ({ ...fixed, uri }),
  };
}

/**
 * How a media field's value is shaped, from its JSON schema: a URI, a list of URIs, an object
 * holding one, or one of several such objects. `undefined` for fields a form cannot build.
 */
function mediaShape(schema) {
  if (!schema) return undefined;
  const isUri = (s) => s?.type === 'string' && s.media;
  const single = (kinds, build) => ({ options: [{ label: kinds.join(' or '), kinds, build }] });
  if (isUri(schema)) return single(kindsOf(schema.media), (uri) => uri);
  const branches = schema.anyOf ?? schema.oneOf;
  if (branches) {
    const uri = branches.find(isUri);
    if (uri) return single(kindsOf(uri.media), (value) => value);
    const objects = branches.map(objectShape);
    return objects.every(Boolean) ? { options: objects } : undefined;
  }
  if (schema.type === 'array' && schema.items) {
    if (isUri(schema.items)) return single(kindsOf(schema.items.media), (uri) => [uri]);
    const item = objectShape(schema.items);
    return item ? single(item.kinds, (uri) => [item.build(uri)]) : undefined;
  }
  const object = objectShape(schema);
  return object ? { options: [object] } : undefined;
}

// ---------------------------------------------------------------------------------------------
// The form

function currentType() {
  return state.registry.taskTypes.find((type) => type.name === $('#task-type').value);
}

function currentModel() {
  return currentType()?.models.find((model) => model.model === $('#model').value);
}

function renderTaskTypes() {
  $('#task-type').replaceChildren(
    ...state.registry.taskTypes.map((type) => el('option', { value: type.name }, type.title)),
  );
  renderModels();
}

function renderModels() {
  const type = currentType();
  $('#model').replaceChildren(
    ...type.models.map((model) => el('option', { value: model.model }, model.model)),
  );
  renderFields();
}

function renderFields() {
  const model = currentModel();
  state.controls = model.fields.map((field) => buildControl(field, model.schema?.properties?.[field.name]));
  $('#fields').replaceChildren(...state.controls.map((control) => control.node));
  showFormError('');
}

/** A form control for one field: its node, and `read()` → `{ value, problem }`. */
function buildControl(field, schema) {
  const id = `field-${field.name}`;
  const problem = el('p', { class: 'problem', id: `${id}-problem`, hidden: true });
  const label = el(
    'label',
    { class: 'label', for: id },
    humanize(field.name),
    field.required
      ? el('span', { class: 'required', 'aria-hidden': 'true' }, '*')
      : el('span', { class: 'optional' }, 'optional'),
  );
  const node = el('div', { class: 'field', dataset: { field: field.name } });
  const shape = field.kind === 'media' || field.kind === 'json' ? mediaShape(schema) : undefined;
  const input = shape ? mediaInput(id, shape) : plainInput(id, field);
  const hint = el('p', { class: 'hint' }, hintFor(field, shape));
  node.append(label, input.node, hint, problem);

  let touched = false;
  const control = {
    field,
    node,
    read() {
      const result = input.read();
      if (result.value === undefined && field.required && !result.problem) return { problem: 'is required' };
      return result;
    },
    show(message) {
      node.classList.toggle('invalid', Boolean(message));
      problem.hidden = !message;
      problem.textContent = message ? `${humanize(field.name)} ${message}` : '';
    },
    validate(force = false) {
      if (force) touched = true;
      if (!touched) return;
      control.show(control.read().problem);
    },
  };
  node.addEventListener('input', () => {
    touched = true;
    control.validate();
  });
  node.addEventListener('change', () => {
    touched = true;
    control.validate();
  });
  return control;
}

function hintFor(field, shape) {
  const limits = state.registry.mediaLimits;
  if (shape) {
    const kinds = [...new Set(shape.options.flatMap((option) => option.kinds))];
    const sizes = kinds.map((kind) => `${kind} ≤ ${formatBytes(limits.dataUri[kind])}`).join(', ');
    return `An https:// URL, a runway:// URI, or a file (${sizes}).`;
  }
  switch (field.kind) {
    case 'text':
      if (field.minLength !== undefined && field.maxLength !== undefined) {
        return `${field.minLength}–${field.maxLength} characters.`;
      }
      return field.maxLength !== undefined ? `At most ${field.maxLength} characters.` : '';
    case 'integer':
    case 'number':
      if (field.min !== undefined && field.max !== undefined) {
        return `${field.kind === 'integer' ? 'A whole number' : 'A number'} from ${field.min} to ${field.max}.`;
      }
      return field.kind === 'integer' ? 'A whole number.' : 'A number.';
    case 'enum':
      return field.ratio ? 'Output size in pixels, width:height.' : '';
    case 'json':
      return 'JSON.';
    default:
      return '';
  }
}

function plainInput(id, field) {
  const describedBy = `${id}-problem`;
  switch (field.kind) {
    case 'enum': {
      const select = el('select', { id, 'aria-describedby': describedBy });
      if (!field.required) select.append(el('option', { value: '' }, 'Default'));
      for (const value of field.values) select.append(el('option', { value: String(value) }, String(value)));
      return {
        node: select,
        read: () => {
          if (select.value === '') return { value: undefined };
          return { value: field.values.find((value) => String(value) === select.value) };
        },
      };
    }
    case 'integer':
    case 'number': {
      const input = el('input', {
        id,
        type: 'number',
        inputmode: field.kind === 'integer' ? 'numeric' : 'decimal',
        step: field.kind === 'integer' ? '1' : 'any',
        min: field.min === undefined ? undefined : String(field.min),
        max: field.max === undefined ? undefined : String(field.max),
        'aria-describedby': describedBy,
      });
      if (field.required && field.min !== undefined && field.max !== undefined) {
        input.value = String(Math.min(field.max, Math.max(field.min, field.kind === 'integer' ? 5 : 1)));
      }
      return {
        node: input,
        read: () => {
          if (input.value.trim() === '') return { value: undefined };
          const value = Number(input.value);
          if (!Number.isFinite(value)) return { problem: 'must be a number' };
          if (field.kind === 'integer' && !Number.isInteger(value))
            return { problem: 'must be a whole number' };
          if (field.min !== undefined && value < field.min)
            return { problem: `must be at least ${field.min}` };
          if (field.max !== undefined && value > field.max)
            return { problem: `must be at most ${field.max}` };
          return { value };
        },
      };
    }
    case 'boolean': {
      const select = el(
        'select',
        { id, 'aria-describedby': describedBy },
        ...(field.required ? [] : [el('option', { value: '' }, 'Default')]),
        el('option', { value: 'true' }, 'Yes'),
        el('option', { value: 'false' }, 'No'),
      );
      return {
        node: select,
        read: () => (select.value === '' ? { value: undefined } : { value: select.value === 'true' }),
      };
    }
    case 'json': {
      const area = el('textarea', { id, rows: 3, spellcheck: 'false', 'aria-describedby': describedBy });
      return {
        node: area,
        read: () => {
          if (area.value.trim() === '') return { value: undefined };
          try {
            return { value: JSON.parse(area.value) };
          } catch {
            return { problem: 'must be valid JSON' };
          }
        },
      };
    }
    default: {
      const input = field.prompt
        ? el('textarea', { id, rows: 3, 'aria-describedby': describedBy })
        : el('input', { id, type: 'text', 'aria-describedby': describedBy });
      if (field.maxLength !== undefined) input.maxLength = field.maxLength;
      return {
        node: input,
        read: () => {
          const value = input.value;
          if (value === '') return { value: undefined };
          if (field.minLength !== undefined && value.length < field.minLength) {
            return { problem: `must be at least ${field.minLength} characters` };
          }
          if (field.maxLength !== undefined && value.length > field.maxLength) {
            return { problem: `must be at most ${field.maxLength} characters (now ${value.length})` };
          }
          return { value };
        },
      };
    }
  }
}

/** A URL field with a file picker (a file becomes a data URI) and, on the simulator, a sample. */
function mediaInput(id, shape) {
  const choice =
    shape.options.length > 1
      ? el(
          'select',
          { 'aria-label': 'Media type' },
          ...shape.options.map((option, index) => el('option', { value: String(index) }, option.label)),
        )
      : undefined;
  const option = () => shape.options[Number(choice?.value ?? 0)];
  const accept = () =>
    option()
      .kinds.map((kind) => `${kind}/*`)
      .join(',');
  const url = el('input', {
    id,
    type: 'url',
    placeholder: 'https://…',
    autocomplete: 'off',
    'aria-describedby': `${id}-problem`,
  });
  let attached;
  const attach = (dataUri, description) => {
    attached = dataUri;
    url.value = '';
    url.placeholder = description;
    url.dispatchEvent(new Event('input', { bubbles: true }));
  };
  url.addEventListener('input', (event) => {
    if (event.isTrusted && url.value !== '') {
      attached = undefined;
      url.placeholder = 'https://…';
    }
  });
  const file = el('input', { type: 'file', accept: accept(), 'aria-label': 'Choose a file' });
  choice?.addEventListener('change', () => {
    file.accept = accept();
  });
  file.addEventListener('change', () => {
    const chosen = file.files?.[0];
    if (!chosen) return;
    const reader = new FileReader();
    reader.addEventListener('load', () =>
      attach(String(reader.result), `${chosen.name} (${formatBytes(chosen.size)})`),
    );
    reader.readAsDataURL(chosen);
  });
  const samples = state.registry.samples;
  const sample = samples
    ? el(
        'button',
        {
          type: 'button',
          class: 'quiet',
          title: 'Use a small sample file',
          onclick: () => {
            const kind = option().kinds.find((candidate) => samples[candidate]);
            if (kind) attach(samples[kind], `sample ${kind}`);
          },
        },
        'Sample',
      )
    : undefined;
  const node = el(
    'div',
    { class: 'media-row' },
    choice,
    url,
    el('span', { class: 'file-button' }, el('button', { type: 'button', tabindex: '-1' }, 'File…'), file),
    sample,
  );
  return {
    node,
    read: () => {
      const value = url.value.trim() || attached;
      if (!value) return { value: undefined };
      const problem = checkMedia(value, option().kinds);
      return problem ? { problem } : { value: option().build(value) };
    },
  };
}

function showFormError(message) {
  const node = $('#form-error');
  node.hidden = !message;
  node.textContent = message;
}

async function onSubmit(event) {
  event.preventDefault();
  const type = currentType();
  const model = currentModel();
  const body = { model: model.model };
  let invalid = false;
  for (const control of state.controls) {
    control.validate(true);
    const { value, problem } = control.read();
    if (problem) invalid = true;
    else if (value !== undefined) body[control.field.name] = value;
  }
  if (invalid) {
    showFormError('Some fields need a look.');
    return;
  }
  showFormError('');
  const button = $('#submit');
  button.disabled = true;
  try {
    const response = await fetch(`${API}/${type.name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    if (response.status === 400 && Array.isArray(answer.issues)) {
      const rest = [];
      for (const issue of answer.issues) {
        const control = state.controls.find((candidate) => candidate.field.name === issue.path.split('.')[0]);
        if (control) control.show(issue.message);
        else rest.push(`${issue.path || 'body'} ${issue.message}`);
      }
      showFormError(rest.length > 0 ? rest.join('; ') : 'Some fields need a look.');
      return;
    }
    if (response.status !== 202) {
      showFormError(answer.message ?? `The server answered ${response.status}.`);
      return;
    }
    const prompt = typeof body.promptText === 'string' ? body.promptText : '';
    addTask({ handle: answer.handle, type: type.name, model: model.model, prompt }, answer);
    save();
    scheduleConnect();
  } catch {
    showFormError('Could not reach the server.');
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------------
// Task cards

function typeOf(name) {
  return state.registry.taskTypes.find((type) => type.name === name);
}

function addTask(meta, view) {
  const node = $('#task-template').content.firstElementChild.cloneNode(true);
  const type = typeOf(meta.type);
  node.dataset.taskType = meta.type;
  node.dataset.handle = meta.handle;
  node.querySelector('.task-title').textContent = `${type?.title ?? meta.type} · ${meta.model}`;
  node.querySelector('.task-prompt').textContent = meta.prompt;
  node.querySelector('.task-prompt').hidden = !meta.prompt;
  const task = { ...meta, view: undefined, node };
  node.querySelector('.cancel').addEventListener('click', () => cancel(task));
  state.tasks.set(meta.handle, task);
  $('#task-list').prepend(node);
  $('#empty').hidden = true;
  render(task, view);
  return task;
}

function detailOf(view) {
  switch (view.status) {
    case 'QUEUED':
      return view.queuePosition
        ? `Waiting in the server queue · #${view.queuePosition} in line`
        : 'Submitting…';
    case 'PENDING':
      return view.wireStatus === 'THROTTLED' ? 'Queued at Runway (throttled)' : 'Starting…';
    case 'PROCESSING':
      return `Processing · ${Math.round((view.progress ?? 0) * 100)}%`;
    case 'SUCCEEDED':
      return view.cost ? `Done · ${view.cost.credits} credit${view.cost.credits === 1 ? '' : 's'}` : 'Done';
    case 'FAILED':
      return `Failed: ${view.failure ?? 'no reason given'}${view.failureCode ? ` (${view.failureCode})` : ''}`;
    case 'CANCELLED':
      return 'Cancelled';
    case 'ERROR':
      return view.message;
    default:
      return view.status;
  }
}

function render(task, view) {
  task.view = view;
  const { node } = task;
  node.dataset.status = view.status;
  node.querySelector('.badge').textContent = view.status;
  const percent =
    view.status === 'SUCCEEDED'
      ? 100
      : view.status === 'PROCESSING'
        ? Math.round((view.progress ?? 0) * 100)
        : 0;
  node.dataset.progress = String(percent);
  const bar = node.querySelector('.progress');
  bar.setAttribute('aria-valuenow', String(percent));
  bar.querySelector('.bar').style.width = `${percent}%`;
  node.querySelector('.task-detail').textContent = detailOf(view);
  node.querySelector('.task-id').textContent = view.id;
  node.querySelector('.task-id').title = view.handle ? `${view.id} (handle ${view.handle})` : view.id;
  node.querySelector('.cancel').hidden = FINAL.has(view.status);
  if (view.status === 'SUCCEEDED' && view.output) renderResult(task, view.output);
}

function renderResult(task, output) {
  const result = task.node.querySelector('.result');
  if (result.childElementCount > 0) return;
  const kind = typeOf(task.type)?.output ?? 'image';
  for (const url of output) {
    if (kind === 'video') {
      result.append(
        el('video', {
          src: url,
          controls: true,
          muted: true,
          loop: true,
          autoplay: true,
          playsInline: true,
          preload: 'auto',
        }),
      );
    } else if (kind === 'audio') {
      result.append(el('audio', { src: url, controls: true, preload: 'auto' }));
    } else {
      result.append(
        el('img', { src: url, alt: `Generated image for “${task.prompt || task.type}”`, loading: 'lazy' }),
      );
    }
  }
}

async function cancel(task) {
  const button = task.node.querySelector('.cancel');
  button.disabled = true;
  try {
    const response = await fetch(`${API}/${encodeURIComponent(task.handle)}`, { method: 'DELETE' });
    if (!response.ok && response.status !== 404) {
      task.node.querySelector('.task-detail').textContent = 'Could not cancel; try again.';
    }
  } finally {
    button.disabled = false;
  }
}

function save() {
  const list = [...state.tasks.values()].map(({ handle, type, model, prompt }) => ({
    handle,
    type,
    model,
    prompt,
  }));
  sessionStorage.setItem(STORE_KEY, JSON.stringify(list.slice(0, 50)));
}

async function restore() {
  let saved = [];
  try {
    saved = JSON.parse(sessionStorage.getItem(STORE_KEY) ?? '[]');
  } catch {
    saved = [];
  }
  for (const meta of saved.reverse()) {
    const response = await fetch(`${API}/${encodeURIComponent(meta.handle)}`).catch(() => undefined);
    if (response?.ok) addTask(meta, await response.json());
  }
  save();
  scheduleConnect();
}

// ---------------------------------------------------------------------------------------------
// One event stream for every unfinished task (browsers allow ~6 connections per origin)

function setConnection(message) {
  const node = $('#connection');
  node.hidden = !message;
  node.textContent = message;
}

function scheduleConnect() {
  if (state.connectQueued) return;
  state.connectQueued = true;
  setTimeout(() => {
    state.connectQueued = false;
    connect();
  }, 0);
}

function connect() {
  clearTimeout(state.reconnectTimer);
  state.source?.close();
  state.source = undefined;
  const open = [...state.tasks.values()]
    .filter((task) => !FINAL.has(task.view?.status))
    .map((task) => task.handle);
  if (open.length === 0) {
    setConnection('');
    return;
  }
  const ids = open.slice(0, IDS_PER_STREAM).map(encodeURIComponent).join(',');
  const source = new EventSource(`${API}/events?ids=${ids}`);
  state.source = source;
  source.addEventListener('task', (event) => {
    const view = JSON.parse(event.data);
    const task = state.tasks.get(view.handle ?? view.id);
    if (task) render(task, view);
  });
  source.addEventListener('task-error', (event) => {
    const info = JSON.parse(event.data);
    const task = state.tasks.get(info.handle ?? info.id);
    if (task) render(task, { id: info.id, handle: info.handle, status: 'ERROR', message: info.message });
  });
  source.addEventListener('end', () => {
    source.close();
    if (state.source !== source) return;
    state.source = undefined;
    // More tasks may have been added after this stream opened.
    if (
      open.length > IDS_PER_STREAM ||
      [...state.tasks.values()].some((task) => !FINAL.has(task.view?.status))
    ) {
      scheduleConnect();
    }
  });
  source.addEventListener('open', () => setConnection(''));
  source.addEventListener('error', () => {
    if (state.source !== source) return;
    if (source.readyState === EventSource.CLOSED) {
      setConnection('Lost the connection to the server; retrying…');
      state.reconnectTimer = setTimeout(connect, 3000);
    } else {
      setConnection('Reconnecting…');
    }
  });
}

// ---------------------------------------------------------------------------------------------

async function init() {
  const response = await fetch('/api/registry');
  state.registry = await response.json();
  const mode = $('#mode');
  mode.hidden = false;
  mode.textContent =
    state.registry.mode === 'simulator'
      ? 'Simulator: no key, no internet. Put [fail] in a prompt to see a failure, [slow] for a long run.'
      : 'Runway API: tasks spend credits.';
  renderTaskTypes();
  $('#task-type').addEventListener('change', renderModels);
  $('#model').addEventListener('change', renderFields);
  $('#task-form').addEventListener('submit', onSubmit);
  $('#clear-finished').addEventListener('click', () => {
    for (const [handle, task] of state.tasks) {
      if (!FINAL.has(task.view?.status)) continue;
      task.node.remove();
      state.tasks.delete(handle);
    }
    $('#empty').hidden = state.tasks.size > 0;
    save();
  });
  await restore();
  document.body.dataset.ready = 'true';
}

init().catch(() => showFormError('Could not load the task registry from the server.'));
