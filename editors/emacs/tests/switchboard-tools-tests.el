;;; switchboard-tools-tests.el --- Chats with tools (agent.run)  -*- lexical-binding: t; -*-

;;; Commentary:

;; With `switchboard-tools', a chat runs through `agent.run'; each
;; `tool.call' notification is written into the answer as a record
;; ("> [tool] NAME … STATUS" and its details) and rewritten as the
;; status changes; `tool.approve' is answered from
;; `switchboard-approve-function'; other requests of the daemon get
;; -32601.  So that no MCP server is needed, the daemon's
;; notifications and requests are fed in as it sends them, during a
;; real (slow) run.  The editor's own tools (read_file, list_files,
;; search, propose_edit) run in a scratch project; the echo upstream
;; calls the first tool offered with {"text": <message>} when the
;; message holds TOOL, then answers "echo: <the tool's result>".

;;; Code:

(require 'switchboard-test-helpers)

(ert-deftest switchboard-tools-records-and-approval ()
  "Tool calls are recorded in the answer, their status updated; tool.approve asks."
  (switchboard-tests-with-daemon
    (let ((switchboard-tools t)
          (asked nil)
          (answers nil))
      (with-current-buffer (switchboard-chat)
        (switchboard-tests-send "SLOW what time is it")
        (should (switchboard-tests-wait-until (lambda () (string-match-p "echo" (switchboard-tests-text)))))
        (let* ((connection (switchboard-rpc-connection))
               (id (switchboard-request-id (car (switchboard-rpc-requests))))
               (call (list :request_id id :call_id "c1" :name "time__now" :server "time"
                           :arguments '(:timezone "Europe/Paris") :status "pending"))
               (switchboard-approve-function (lambda (params) (push (plist-get params :name) asked)
                                               (equal (plist-get params :name) "time__now"))))
          (switchboard--handle-notification connection 'tool.call call)
          (push (switchboard--handle-request connection 'tool.approve call) answers)
          (push (switchboard--handle-request connection 'tool.approve (plist-put (copy-sequence call) :name "time__zone"))
                answers)
          (let ((refused (should-error (switchboard--handle-request connection 'editor.unknown nil)
                                       :type 'jsonrpc-error)))
            (should (equal (alist-get 'jsonrpc-error-code (cdr refused)) -32601)))
          (switchboard--handle-notification
           connection 'tool.call (append (list :status "completed" :result "12:00\nParis") call)))
        (switchboard-tests-idle)
        (should (equal (reverse asked) '("time__now" "time__zone")))
        (should (equal (reverse answers) '((:approved t) (:approved :json-false))))
        (let ((text (switchboard-tests-text)))
          (should (string-match-p (regexp-quote (concat "> [tool] time__now … completed\n"
                                                        ">   arguments: {\"timezone\":\"Europe/Paris\"}\n"
                                                        ">   result:\n>     12:00\n>     Paris\n"))
                                  text))
          (should (= 1 (cl-count-if (lambda (line) (string-prefix-p "> [tool]" line)) (split-string text "\n"))))
          ;; the record went in where the stream was; the answer goes on below it
          (should (string-match-p "what time is it\n\n## You\n\\'" text)))))))

(ert-deftest switchboard-tools-record-lines ()
  "A tool call record."
  (should (equal (switchboard-tool-record '(:name "read" :status "failed" :arguments (:path "a") :result "no such file"))
                 '("> [tool] read … failed" ">   arguments: {\"path\":\"a\"}" ">   result: no such file"))))

;; A project: a git root with files, a file outside it, a link out, a
;; binary file.
(defmacro switchboard-tests-with-project (&rest body)
  "Run BODY with `default-directory' in a scratch project's src folder.
`project' is bound to the project's root (links resolved)."
  (declare (indent 0) (debug t))
  `(let* ((base (make-temp-file "switchboard-project" t))
          (project (file-truename (expand-file-name "p" base))))
     (unwind-protect
         (progn
           (make-directory (expand-file-name ".git" project) t)
           (make-directory (expand-file-name "src/deep" project) t)
           (make-directory (expand-file-name "node_modules/x" project) t)
           (write-region "local answer = 42\nreturn answer\n" nil (expand-file-name "src/main.lua" project) nil 'silent)
           (write-region "the needle is here\n" nil (expand-file-name "src/deep/notes.txt" project) nil 'silent)
           (write-region "needle in a module\n" nil (expand-file-name "node_modules/x/y.js" project) nil 'silent)
           (write-region "secret outside\n" nil (expand-file-name "outside.txt" base) nil 'silent)
           (let ((coding-system-for-write 'binary))
             (write-region "a\0b" nil (expand-file-name "blob.bin" project) nil 'silent))
           (make-symbolic-link (expand-file-name "outside.txt" base) (expand-file-name "link-out" project))
           (let ((default-directory (file-name-as-directory (expand-file-name "src" project))))
             ,@body))
       (dolist (buffer (buffer-list))
         (when (string-prefix-p base (or (buffer-file-name buffer) ""))
           (with-current-buffer buffer (set-buffer-modified-p nil))
           (kill-buffer buffer)))
       (delete-directory base t))))

(defun switchboard-tests-tool (name arguments)
  "Run editor tool NAME with ARGUMENTS here; return (TEXT IS-ERROR)."
  (let (answer)
    (switchboard-tools-run name arguments (switchboard-tools-root)
                           (lambda (text is-error) (setq answer (list text is-error))))
    answer))

(ert-deftest switchboard-tools-chat-runs-an-editor-tool ()
  "With editor tools on, a chat offers them in agent.run; the model's call is answered from tool.execute."
  (switchboard-tests-with-daemon
    (switchboard-tests-with-project
      (let ((switchboard-tools '("list_files" "search")))
        (with-current-buffer (switchboard-new-chat)
          (switchboard-tests-send "use a TOOL please")
          (switchboard-tests-idle)
          (should (eq (plist-get switchboard-last-outcome :outcome) 'done))
          (let ((requests (switchboard-tests-chat-requests)))
            (should (equal (mapcar (lambda (tool) (alist-get 'name (alist-get 'function tool)))
                                   (alist-get 'tools (car (last requests 2))))
                           '("list_files" "search")))
            (should (equal (alist-get 'additionalProperties
                                      (alist-get 'parameters (alist-get 'function (car (alist-get 'tools (car (last requests)))))))
                           :json-false)))
          (should (equal (switchboard-tests-text)
                         (concat "## You\nuse a TOOL please\n\n## Assistant\n"
                                 "> [tool] list_files … completed\n"
                                 ">   arguments: {\"text\":\"use a TOOL please\"}\n"
                                 ">   result:\n>     blob.bin\n>     link-out\n>     src/deep/notes.txt\n>     src/main.lua\n"
                                 "echo: blob.bin\nlink-out\nsrc/deep/notes.txt\nsrc/main.lua\n\n## You\n")))
          ;; point followed the answer, past the record rewritten as the call went on
          (should (= (point) (point-max))))))))

(ert-deftest switchboard-tools-option-semantics ()
  "t offers every editor tool, a list those, nil none; auto asks tools.list once per daemon."
  (let ((switchboard-tools t))
    (should (equal (mapcar (lambda (tool) (plist-get (plist-get tool :function) :name)) (switchboard-agent-offered))
                   '("read_file" "list_files" "search" "propose_edit"))))
  (let ((switchboard-tools '("search")))
    (should (equal (length (switchboard-agent-offered)) 1)))
  (let ((decided :none) (switchboard-tools nil))
    (should-not (switchboard-agent-decide (lambda (agent) (setq decided agent))))
    (should (eq decided nil)))
  (switchboard-tests-with-daemon
    (let ((decided :none) (switchboard-tools 'auto))
      (setq switchboard-agent--servers nil)
      (should (switchboard-agent-decide (lambda (agent) (setq decided agent))))
      (should (switchboard-tests-wait-until (lambda () (not (eq decided :none)))))
      (should (eq decided nil)) ; no MCP server
      (setq decided :none)
      (should-not (switchboard-agent-decide (lambda (agent) (setq decided agent))))
      (should (eq decided nil)))))

(ert-deftest switchboard-tools-read-file-inside-the-project-only ()
  "read_file: a visiting buffer (unsaved text) or a file of the project; nothing outside it, no binary."
  (switchboard-tests-with-project
    (should (equal (switchboard-tests-tool "read_file" '(:path "src/main.lua"))
                   '("local answer = 42\nreturn answer\n" nil)))
    (with-current-buffer (find-file-noselect (expand-file-name "src/main.lua" project))
      (goto-char (point-min))
      (delete-region (point) (line-end-position))
      (insert "local answer = 43"))
    (should (equal (car (switchboard-tests-tool "read_file" '(:path "src/main.lua")))
                   "local answer = 43\nreturn answer\n"))
    (dolist (path (list "../outside.txt" (expand-file-name "../outside.txt" project) "/etc/passwd" "link-out"))
      (let ((answer (switchboard-tests-tool "read_file" (list :path path))))
        (should (cadr answer))
        (should (string-match-p "outside the project" (car answer)))))
    (let ((answer (switchboard-tests-tool "read_file" '(:path "blob.bin"))))
      (should (equal answer '("blob.bin is a binary file" t))))
    (should (equal (switchboard-tests-tool "read_file" '(:path "missing.txt"))
                   '("no file missing.txt (list_files lists them)" t)))
    (should (equal (switchboard-tests-tool "read_file" nil) '("no path given" t)))
    (should (equal (switchboard-tests-tool "delete_all" nil) '("no tool delete_all in this editor" t)))))

(ert-deftest switchboard-tools-list-files-and-search ()
  "list_files and search: the project, bounded, skipping .git and node_modules."
  (switchboard-tests-with-project
    (should (equal (switchboard-tests-tool "list_files" '(:path "."))
                   '("blob.bin\nlink-out\nsrc/deep/notes.txt\nsrc/main.lua" nil)))
    (should (equal (switchboard-tests-tool "list_files" '(:path "src/deep")) '("src/deep/notes.txt" nil)))
    (let ((switchboard-tools-max-files 1))
      (should (equal (switchboard-tests-tool "list_files" '(:path "."))
                     '("blob.bin\n[more files: only the first 1 are listed]" nil))))
    (should (cadr (switchboard-tests-tool "list_files" '(:path "/"))))
    (should (equal (switchboard-tests-tool "search" '(:query "needle"))
                   '("src/deep/notes.txt:1:the needle is here" nil)))
    (should (equal (switchboard-tests-tool "search" '(:query "nowhere-to-be-found"))
                   '("no match for nowhere-to-be-found" nil)))
    (should (equal (switchboard-tests-tool "search" '(:query "")) '("no query given" t)))))

(ert-deftest switchboard-tools-propose-edit-accept-reject ()
  "propose_edit shows the rewrite diff; C-c C-c applies it (accepted), C-c C-k or killing the buffer rejects."
  (switchboard-tests-with-project
    (let ((answers nil)
          (file (expand-file-name "src/main.lua" project)))
      (cl-flet ((propose (first last replacement)
                  (switchboard-tools-run "propose_edit" (list :path "src/main.lua" :start_line first :end_line last
                                                              :replacement replacement)
                                         (switchboard-tools-root)
                                         (lambda (text _) (push text answers)))))
        (propose 1 1 "local answer = 7")
        (with-current-buffer (find-buffer-visiting file)
          (should switchboard-rewrite--overlay)
          (should (equal (substring-no-properties (overlay-get switchboard-rewrite--overlay 'after-string))
                         "local answer = 7\n"))
          (should (equal (switchboard-tests-text) "local answer = 42\nreturn answer\n"))
          (should-not answers)
          (switchboard-tests-key "C-c C-c")
          (should (equal (switchboard-tests-text) "local answer = 7\nreturn answer\n"))
          (should (equal (car answers) "accepted: the user applied the edit to src/main.lua (not saved yet)"))
          (propose 2 1 "-- inserted")
          (should (equal (car answers) "accepted: the user applied the edit to src/main.lua (not saved yet)"))
          (switchboard-tests-key "C-c C-k")
          (should (equal (car answers) "rejected: the user did not apply the edit"))
          (should (equal (switchboard-tests-text) "local answer = 7\nreturn answer\n"))
          (propose 2 1 "-- inserted")
          (switchboard-tests-key "C-c C-c")
          (should (equal (switchboard-tests-text) "local answer = 7\n-- inserted\nreturn answer\n"))
          (propose 9 9 "x"))
        (should (equal (car answers) "lines 9..9 are not in the file (3 lines)"))
        (switchboard-tools-run "propose_edit" '(:path "blob.bin" :start_line 1 :end_line 1 :replacement "x")
                               (switchboard-tools-root) (lambda (text _) (push text answers)))
        (should (equal (car answers) "blob.bin is a binary file"))
        (switchboard-tools-run "propose_edit" '(:path "src" :start_line 1 :end_line 1 :replacement "x")
                               (switchboard-tools-root) (lambda (text _) (push text answers)))
        (should (equal (car answers) "src is a folder"))
        (should-not (find-buffer-visiting (expand-file-name "blob.bin" project)))
        (propose 1 1 "gone")
        (set-buffer-modified-p nil)
        (with-current-buffer (find-buffer-visiting file) (set-buffer-modified-p nil))
        (kill-buffer (find-buffer-visiting file))
        (should (equal (car answers) "rejected: the user did not apply the edit"))
        (should (= (length answers) 7))))))

(ert-deftest switchboard-tools-execute-answered-later-or-withdrawn ()
  "tool.execute for propose_edit is answered when the user decides; the daemon's $/cancelRequest withdraws it unanswered."
  (switchboard-tests-with-daemon
    (switchboard-tests-with-project
      (let* ((connection (switchboard-rpc-connection))
             (sent nil)
             (capture (lambda (_process string) (push string sent)))
             (execute (lambda (id)
                        (jsonrpc-connection-receive
                         connection
                         (list :jsonrpc "2.0" :id id :method "tool.execute"
                               :params (list :request_id 1 :call_id "c" :name "propose_edit"
                                             :arguments (list :path "src/main.lua" :start_line 1 :end_line 0
                                                              :replacement "-- new first line")))))))
        (advice-add 'process-send-string :before capture)
        (unwind-protect
            (progn
              (funcall execute "sb-98")
              (should-not sent)
              (with-current-buffer (find-buffer-visiting (expand-file-name "src/main.lua" project))
                (should switchboard-rewrite--overlay)
                (switchboard-tests-key "C-c C-c")
                (should (equal (switchboard-tests-text) "-- new first line\nlocal answer = 42\nreturn answer\n"))
                (should (= (length sent) 1))
                (should (string-match-p "\"id\":\"sb-98\".*\"content\":\"accepted: " (car sent)))
                (setq sent nil)
                (funcall execute "sb-99")
                (should switchboard-rewrite--overlay)
                (jsonrpc-connection-receive connection (list :jsonrpc "2.0" :method "$/cancelRequest" :params (list :id "sb-99")))
                (should-not switchboard-rewrite--overlay)
                (should-not switchboard-rewrite-mode)
                (should (equal (switchboard-tests-text) "-- new first line\nlocal answer = 42\nreturn answer\n"))))
          (advice-remove 'process-send-string capture))
        (should-not sent)
        (should (hash-table-empty-p switchboard--later))))))

(provide 'switchboard-tools-tests)
;;; switchboard-tools-tests.el ends here
