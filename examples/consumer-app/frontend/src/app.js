/* global document, sessionStorage, fetch */
// Notes page: lists and adds the caller's notes through the API. The
// build replaces the two constants below with the build-time settings.
const API_BASE_URL = '__API_BASE_URL__'
const ENVIRONMENT = '__ENVIRONMENT__'

const TOKEN_KEY = 'notes-token'

const elements = {
  token: document.getElementById('token'),
  note: document.getElementById('note'),
  noteForm: document.getElementById('note-form'),
  refresh: document.getElementById('refresh'),
  status: document.getElementById('status'),
  notes: document.getElementById('notes'),
}

function showStatus(text) {
  elements.status.textContent = text
}

async function callApi(path, init = {}) {
  const token = elements.token.value.trim()
  sessionStorage.setItem(TOKEN_KEY, token)
  const response = await fetch(`${API_BASE_URL}${path}`, {
    ...init,
    headers: {
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      authorization: `Bearer ${token}`,
    },
  })
  if (response.status === 401) throw new Error('The token was not accepted.')
  if (!response.ok)
    throw new Error(`The API responded with HTTP ${response.status}.`)
  return response.json()
}

function renderNotes(notes) {
  elements.notes.replaceChildren(
    ...notes.map((note) => {
      const item = document.createElement('li')
      const time = document.createElement('time')
      time.dateTime = note.createdAt
      time.textContent = new Date(note.createdAt).toLocaleString()
      item.append(time, ' ', note.text)
      return item
    }),
  )
}

async function refresh() {
  try {
    const body = await callApi('/notes')
    renderNotes(body.notes)
    showStatus(`${body.notes.length} notes for ${body.owner} (${ENVIRONMENT})`)
  } catch (error) {
    showStatus(error.message)
  }
}

elements.noteForm.addEventListener('submit', async (event) => {
  event.preventDefault()
  try {
    await callApi('/notes', {
      method: 'POST',
      body: JSON.stringify({ text: elements.note.value }),
    })
    elements.note.value = ''
    await refresh()
  } catch (error) {
    showStatus(error.message)
  }
})
elements.refresh.addEventListener('click', () => void refresh())

elements.token.value = sessionStorage.getItem(TOKEN_KEY) ?? ''
if (elements.token.value) void refresh()
