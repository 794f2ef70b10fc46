// Replays VueFileManager's share page (github.com/VueFileManager/vuefilemanager, commit 5ba4bf3)
// against an API on another origin: the requests its client sends, in its order, with the headers
// axios 0.21 sends, and every property its code reads from the answers, read the way its code
// reads them, so a missing wrapper throws the TypeError the real page would throw.
// The file references name where each step comes from (resources/js/...).
'use strict'

// The route families: VueFileManager's own (store/modules/*.js, views/*.vue) and files.ro's twins.
const families = {
    vfm: {
        share: (t) => `/api/sharing/${t}`,
        navigation: (t) => `/api/sharing/navigation/${t}`,
        folder: (t, id) => `/api/sharing/folders/${id}/${t}`,
        upload: (t) => `/api/sharing/upload/chunks/${t}`,
        authenticate: (t) => `/api/sharing/authenticate/${t}`,
    },
    filesro: {
        share: (t) => `/api/v1/shares/${t}`,
        navigation: (t) => `/api/v1/shares/${t}/navigation`,
        folder: (t, id) => `/api/v1/shares/${t}/folders/${id}`,
        upload: (t) => `/api/v1/shares/${t}/uploads`,
        authenticate: (t) => `/api/v1/shares/${t}/authenticate`,
    },
}

// chunkSize is VueFileManager's default (src/Domain/Settings/Actions/GetConfigAction.php: 64000000).
const chunkSize = 64000000

// itemId is the {id} of the page's route /share/{token}/files/{id}: VueFileManager's server
// redirects /share/{token} there with the share's item_id (SharePublicIndexController).
async function replaySharePage(base, familyName, bigSize, itemId) {
    const routes = families[familyName]
    const calls = []
    const out = { calls }

    // axios 0.21 in the browser (lib/adapters/xhr.js): XHR; the common headers, X-Requested-With
    // from bootstrap.js:11; a plain object is sent as JSON; a FormData body loses its Content-Type
    // so the browser sets the multipart boundary; non-2xx rejects with error.response; a body that
    // parses as JSON is parsed, any other (an empty one too) stays a string.
    // withCredentials: VueFileManager's page is same-origin and sends its cookies anyway; from
    // another origin the share_session cookie needs it.
    function axios(method, path, data, config = {}) {
        return new Promise((resolve, reject) => {
            const xhr = new XMLHttpRequest()
            xhr.open(method.toUpperCase(), base + path, true)
            xhr.withCredentials = true
            xhr.setRequestHeader('Accept', 'application/json, text/plain, */*')
            xhr.setRequestHeader('X-Requested-With', 'XMLHttpRequest')
            let body = null
            if (data instanceof FormData) {
                body = data
            } else if (data !== undefined) {
                body = JSON.stringify(data)
                xhr.setRequestHeader('Content-Type', 'application/json;charset=utf-8')
            }
            if (config.onUploadProgress) xhr.upload.addEventListener('progress', config.onUploadProgress)
            xhr.onload = () => {
                let parsed = xhr.responseText
                if (parsed.length) {
                    try {
                        parsed = JSON.parse(parsed)
                    } catch (e) {
                        // axios keeps the string
                    }
                }
                const response = { data: parsed, status: xhr.status }
                calls.push(`${method.toUpperCase()} ${path} ${xhr.status}`)
                if (xhr.status >= 200 && xhr.status < 300) return resolve(response)
                const error = new Error('Request failed with status code ' + xhr.status)
                error.response = response
                reject(error)
            }
            xhr.onerror = () => {
                calls.push(`${method.toUpperCase()} ${path} network-error`)
                reject(new Error(`Network Error (blocked by CORS?) on ${method.toUpperCase()} ${base + path}`))
            }
            xhr.send(body)
        })
    }

    // The Vuex state the share page uses (store/modules/app.js, fileBrowser.js, sharing.js).
    const store = {
        sharedDetail: undefined,
        permission: undefined,
        navigation: undefined,
        currentFolder: undefined,
        paginate: undefined,
        entries: [],
        sorting: { sort: 'DESC', field: 'created_at' }, // app.js:17-18, no localStorage yet
    }
    const sortingURI = () => '?sort=' + store.sorting.field + '&direction=' + store.sorting.sort // app.js:193

    // sharing.js getShareDetail
    async function getShareDetail(token) {
        const response = await axios('get', routes.share(token))
        store.sharedDetail = response.data
        store.permission = response.data.data.attributes.permission
    }

    // fileBrowser.js getFolderTree, then NavigationSharePanel.vue and TreeMenuNavigator.vue render it.
    async function getFolderTree(token) {
        const response = await axios('get', routes.navigation(token) + sortingURI())
        store.navigation = response.data
        return renderNavigation()
    }
    function renderNavigation() {
        const navigationTree = store.navigation ? store.navigation[0].folders : undefined // NavigationSharePanel.vue:127
        const homeActive = store.sharedDetail.data.attributes.item_id // NavigationSharePanel.vue:20
        const node = (nodes) => ({
            key: nodes.id,
            name: nodes.name,
            empty: nodes.folders.length === 0, // TreeMenuNavigator.vue:21
            folders: nodes.folders.map((item) => (item.id, node(item))), // TreeMenuNavigator.vue:38-39
        })
        return navigationTree && navigationTree.length >= 1 && homeActive ? navigationTree.map(node) : []
    }

    // sharing.js getSharedFolder, then FileBrowser.vue, ItemGrid.vue / ItemList.vue render it.
    async function getSharedFolder(token, { page, id }) {
        if (page === 1) store.entries = [] // START_LOADING_VIEW
        const response = await axios('get', `${routes.folder(token, id)}${sortingURI()}&page=${page}`)
        store.currentFolder = response.data.meta.root // SET_CURRENT_FOLDER
        store.paginate = response.data.meta.paginate // SET_PAGINATOR
        store.entries = store.entries.concat(response.data.data) // ADD_NEW_ITEMS
        return render()
    }
    function renderEntry(entry) {
        const isImage = entry.data.type === 'image' // ItemGrid.vue:165-183
        const view = {
            id: entry.data.id,
            type: entry.data.type,
            folder: entry.data.type === 'folder',
            name: entry.data.attributes.name, // ItemGrid.vue:258
            emoji: entry.data.attributes.emoji,
            filesize: entry.data.attributes.filesize,
            time: entry.data.attributes.deleted_at ? entry.data.attributes.deleted_at : entry.data.attributes.created_at,
            items: entry.data.attributes.deleted_at ? entry.data.attributes.trashed_items : entry.data.attributes.items,
            linkIcon: !!entry.data.relationships.shared, // ItemGrid.vue:210
            author: entry.data.relationships.creator && entry.data.relationships.creator.data.id, // ItemGrid.vue:205-206
        }
        if (isImage) {
            // ItemGrid.vue:218-220, in created(): every image
            view.imageSrc =
                entry.data.attributes.mimetype === 'svg' ? entry.data.attributes.file_url : entry.data.attributes.thumbnail.sm
            view.thumbnail = entry.data.attributes.thumbnail
        }
        return view
    }
    function render() {
        return {
            folder: store.currentFolder.data.attributes.name, // NavigationBar / DesktopSharepageToolbar
            folderId: store.currentFolder.data.id,
            canLoadMore: store.paginate?.currentPage !== store.paginate?.lastPage, // FileBrowser.vue:67
            showSpinner:
                store.paginate?.currentPage !== store.paginate?.lastPage &&
                store.entries.length !== 0 &&
                store.paginate.perPage <= store.entries.length, // FileBrowser.vue:70
            currentPage: store.paginate.currentPage,
            lastPage: store.paginate.lastPage,
            entries: store.entries.map(renderEntry),
        }
    }

    // Shared.vue mounted + FileView/Public.vue created: the page at /share/{token}/files/{item_id}
    // (SharePublicIndexController redirects there).
    async function openSharePage(token, id) {
        await getShareDetail(token)
        const tree = await getFolderTree(token)
        const view = await getSharedFolder(token, { page: 1, id })
        return { tree, view }
    }

    // functionHelpers.js $handleUploading and fileFunctions.js uploadFiles: chunks of chunkSize,
    // one FormData reused, `<16 random chars>-<name>.part`; each chunk's answer is read as
    // uploadFiles reads it.
    async function handleUploading(token, item) {
        const size = chunkSize
        const chunksCeil = Math.ceil(item.file.size / size)
        const chunks = []
        for (let i = 0; i < chunksCeil; i++) {
            chunks.push(item.file.slice(i * size, Math.min(i * size + size, item.file.size), item.file.type))
        }
        const formData = new FormData()
        const striped_spaces = item.file.name.replace(/\s/g, '-')
        const striped_to_safe_characters = striped_spaces.match(/^[A-Za-z0-9._~()'!*:@,;+?-\W]*$/g)
        const source_name =
            Array(16)
                .fill(0)
                .map((x) => Math.random().toString(36).charAt(2))
                .join('') +
            '-' +
            striped_to_safe_characters +
            '.part'
        const answers = []
        let uploaded
        let progressEvents = 0
        do {
            const isLastChunk = chunks.length === 1 ? 1 : 0
            const chunk = chunks.shift()
            formData.set('name', item.file.name)
            formData.set('chunk', chunk, source_name)
            formData.set('extension', item.file.name.split('.').pop())
            formData.set('is_last_chunk', isLastChunk)
            if (item.path && item.path !== '/') formData.set('path', item.path)
            if (item.parent_id) formData.set('parent_id', item.parent_id)
            const response = await axios('post', routes.upload(token), formData, {
                onUploadProgress: () => progressEvents++,
            })
            answers.push(response.status)
            // fileFunctions.js:177 reads response.data.data.id of every answer. A non-final chunk's
            // answer is empty (VueFileManager's controller returns nothing; files.ro documents 200):
            // response.data is "" and that read throws inside VueFileManager's own promise handler,
            // against the real service as well. The replay checks that the answer is that empty
            // string and reads the rest only from a final answer, as the code after the read does.
            if (!isLastChunk) {
                if (response.data !== '') throw new Error('non-final chunk answered ' + JSON.stringify(response.data))
                continue
            }
            if (response.data.data.id) {
                const parentId = response.data.data.attributes.parent_id // INCREASE_FOLDER_ITEM
                if (
                    (!store.currentFolder && !response.data.data.attributes.parent_id) ||
                    (store.currentFolder && response.data.data.attributes.parent_id === store.currentFolder.data.id)
                ) {
                    store.entries.unshift(response.data) // ADD_NEW_ITEM
                }
                uploaded = {
                    id: response.data.data.id,
                    name: response.data.data.attributes.name,
                    parentId,
                    fileUrl: response.data.data.attributes.file_url,
                    filesize: response.data.data.attributes.filesize,
                }
            }
        } while (chunks.length !== 0)
        return { answers, sourceName: source_name, uploaded, progressEvents }
    }

    // 1. The editor share "demo": detail, tree, first page, all with the default sorting.
    const rootId = itemId
    out.open = await openSharePage('demo', rootId)
    out.rootId = rootId

    // 2. The file picker: $uploadFiles queues {parent_id: currentFolder.data.id, file, path: '/' +
    //    webkitRelativePath} (functionHelpers.js:187-193); a 70 MB video, generated here.
    const bytes = new Uint8Array(bigSize)
    for (let i = 0; i < bytes.length; i += 4096) bytes[i] = (i / 4096) & 0xff
    bytes[bytes.length - 1] = 0x7f
    const big = new File([bytes], 'holiday video.mp4', { type: 'video/mp4' })
    const digest = await crypto.subtle.digest('SHA-256', bytes)
    out.bigSha256 = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
    out.big = await handleUploading('demo', {
        parent_id: store.currentFolder ? store.currentFolder.data.id : '',
        file: big,
        path: '/' + big.webkitRelativePath,
    })
    out.afterBig = render()

    // 3. A dropped folder: $uploadDraggedFolderOrFile queues each file with path '/' + filepath and
    //    parent_id (functionHelpers.js:197-213); when the queue is done with a folder, the page
    //    reloads page 1 and the tree (fileFunctions.js:207-215).
    const canvas = new OffscreenCanvas(64, 48)
    const ctx = canvas.getContext('2d')
    ctx.fillStyle = '#3a7'
    ctx.fillRect(0, 0, 64, 48)
    const png = await canvas.convertToBlob({ type: 'image/png' })
    const dropped = [
        { file: new File([png], 'beach.png', { type: 'image/png' }), filepath: 'Summer/2024/beach.png' },
        { file: new File(['sand and sea\n'], 'notes.txt', { type: 'text/plain' }), filepath: 'Summer/notes.txt' },
    ]
    out.dropped = []
    for (const d of dropped) {
        const filePath = d.filepath ? '/' + d.filepath : undefined
        out.dropped.push(await handleUploading('demo', { parent_id: store.currentFolder?.data.id || '', path: filePath, file: d.file }))
    }
    out.afterFolder = await getSharedFolder('demo', { page: 1, id: rootId })
    out.treeAfterFolder = await getFolderTree('demo')
    // Into the new folder, as a click in the tree does ($goToFileView, TreeMenuNavigator.vue:104).
    const summer = store.entries.find((e) => e.data.type === 'folder' && e.data.attributes.name === 'Summer')
    out.summer = await getSharedFolder('demo', { page: 1, id: summer.data.id })
    const year = store.entries.find((e) => e.data.type === 'folder')
    out.year = await getSharedFolder('demo', { page: 1, id: year.data.id })

    // 4. Sorting by name, ascending (FileSortingOptions.vue changes app.js sorting, then reloads page 1).
    store.sorting = { sort: 'ASC', field: 'name' }
    out.byName = await getSharedFolder('demo', { page: 1, id: rootId })

    // 5. A folder of 120 files: page 1, then infinite scroll loads currentPage + 1 while
    //    canLoadMoreEntries (FileBrowser.vue:80-86).
    const many = store.entries.find((e) => e.data.type === 'folder' && e.data.attributes.name === 'Many')
    out.pages = [await getSharedFolder('demo', { page: 1, id: many.data.id })]
    while (out.pages[out.pages.length - 1].canLoadMore && out.pages.length < 10) {
        out.pages.push(await getSharedFolder('demo', { page: store.paginate.currentPage + 1, id: many.data.id }))
    }

    // 6. The protected share: SharedAuthentication.vue posts the password; a wrong one shows
    //    error.response.data; the right one routes to Public with item_id, where Shared.vue and
    //    Public.vue load as in 1 (the cookie now goes along), and an upload lands in it.
    store.sorting = { sort: 'DESC', field: 'created_at' }
    try {
        await axios('post', routes.authenticate('demo-protected'), { password: 'wrong' })
        throw new Error('a wrong password was accepted')
    } catch (error) {
        if (!error.response) throw error
        out.wrongPassword = { status: error.response.status, message: error.response.status === 401 ? error.response.data : undefined }
    }
    try {
        await axios('get', routes.folder('demo-protected', 'all') + sortingURI() + '&page=1')
        out.lockedListing = 200
    } catch (error) {
        if (!error.response) throw error
        out.lockedListing = error.response.status
    }
    const unlocked = await axios('post', routes.authenticate('demo-protected'), { password: 'secret' })
    if (unlocked.data.data.attributes.type !== 'folder') throw new Error('protected share is not a folder')
    const protectedId = unlocked.data.data.attributes.item_id
    out.protected = await openSharePage('demo-protected', protectedId)
    out.protectedUpload = await handleUploading('demo-protected', {
        parent_id: store.currentFolder.data.id,
        file: new File(['for your eyes only\n'], 'secret note.txt', { type: 'text/plain' }),
        path: '/',
    })
    out.protectedAfter = await getSharedFolder('demo-protected', { page: 1, id: protectedId })
    return out
}

window.replay = (base, family, bigSize, itemId) =>
    replaySharePage(base, family, bigSize, itemId).then(
        (out) => ({ ok: true, out }),
        (e) => ({ ok: false, error: String(e && e.stack ? e.stack : e) })
    )
