;;; switchboard.el --- Chat and describe images through the Switchboard daemon  -*- lexical-binding: t; -*-

;; Copyright (C) 2025 The Switchboard authors

;; Author: The Switchboard authors
;; Version: 0.1.0
;; Package-Requires: ((emacs "28.1") (jsonrpc "1.0.14"))
;; Keywords: tools, convenience, comm

;; This file is not part of GNU Emacs.

;;; Commentary:

;; Switchboard is a daemon that relays an OpenAI-compatible API over
;; JSON-RPC 2.0 on stdin/stdout.  This package starts it as a
;; subprocess (with the built-in jsonrpc.el, which speaks the LSP
;; `Content-Length' framing the daemon understands) and offers:
;;
;;   M-x switchboard-chat            ask a question (the region, if active,
;;                                   is the question); the answer streams
;;                                   into the *switchboard* buffer
;;   M-x switchboard-describe-image  describe an image file, streamed too
;;   M-x switchboard-ask             synchronous: wait for the answer and
;;                                   return it (C-g cancels it in the daemon)
;;   M-x switchboard-cancel          cancel the requests in flight (C-c C-k
;;                                   in the *switchboard* buffer)
;;   M-x switchboard-select-model    choose among the models the API lists
;;   M-x switchboard-select-profile  choose a configuration profile
;;   M-x switchboard-clear           start a new conversation
;;   M-x switchboard-shutdown        stop the daemon (also run when Emacs exits)
;;
;; The daemon itself is configured as described in its README (the API
;; key comes from OPENAI_API_KEY, a config file or `api_key_command');
;; `switchboard-command' says how to start it.

;;; Code:

(require 'cl-lib)
(require 'jsonrpc)
(require 'seq)
(require 'subr-x)

(defconst switchboard-version "0.1.0"
  "Version of switchboard.el, sent to the daemon in `initialize'.")

(defgroup switchboard nil
  "Chat with OpenAI-compatible models through the Switchboard daemon."
  :group 'tools
  :prefix "switchboard-")

(defcustom switchboard-command '("switchboard")
  "Command line that starts the daemon: the program, then its arguments.
For example \\='(\"~/.local/bin/switchboard\" \"--profile\" \"local\")."
  :type '(repeat string))

(defcustom switchboard-model nil
  "Model for `switchboard-chat' and `switchboard-ask'.
nil lets the daemon use its `default_model'.  Set it interactively with
`switchboard-select-model'."
  :type '(choice (const :tag "Daemon's default" nil) string))

(defcustom switchboard-vision-model nil
  "Model for `switchboard-describe-image'.
nil lets the daemon use its `vision_model'."
  :type '(choice (const :tag "Daemon's default" nil) string))

(defcustom switchboard-profile nil
  "Configuration profile named in every request, or nil for the default.
Profiles are defined in the daemon's configuration.  Set it interactively
with `switchboard-select-profile'."
  :type '(choice (const :tag "Daemon's default" nil) string))

(defcustom switchboard-system-prompt nil
  "System message sent before the conversation, or nil for none."
  :type '(choice (const :tag "None" nil) string))

(defcustom switchboard-remember-conversation t
  "Non-nil means `switchboard-chat' sends the earlier exchanges too.
Each finished question and answer in the *switchboard* buffer becomes
context for the next question.  `switchboard-clear' forgets them."
  :type 'boolean)

(defcustom switchboard-request-timeout 900
  "Seconds to wait for a response before giving up on a request.
nil waits forever.  The daemon has its own upstream time limits
\(`timeout_seconds', 600 by default), so this is only a safety net."
  :type '(choice (const :tag "Never" nil) number))

(defcustom switchboard-shutdown-timeout 3
  "Seconds `switchboard-shutdown' waits for each step of a clean exit."
  :type 'number)

(defcustom switchboard-buffer-name "*switchboard*"
  "Name of the chat buffer."
  :type 'string)

(defcustom switchboard-events-buffer-size 0
  "Size of the \"*switchboard events*\" protocol log, in characters.
0 disables the log; nil keeps everything.  Useful for debugging."
  :type '(choice (const :tag "Unlimited" nil) integer))

(define-error 'switchboard-error "Switchboard error")

(defface switchboard-heading '((t :inherit font-lock-keyword-face :weight bold))
  "Face for the headings in the chat buffer.")

(defface switchboard-status '((t :inherit warning))
  "Face for status notes such as \"[cancelled]\" in the chat buffer.")

(defface switchboard-error '((t :inherit error))
  "Face for error notes in the chat buffer.")


;;;; Connection

(defclass switchboard-connection (jsonrpc-process-connection) ()
  :documentation "A JSON-RPC connection to a Switchboard daemon.")

(cl-defstruct (switchboard--request (:constructor switchboard--request-create)
                                    (:copier nil))
  "A request in flight."
  id              ; the JSON-RPC id, set when the request is sent
  marker          ; where streamed text goes, or nil
  streamed        ; non-nil once a delta was inserted
  user-message)   ; the user's message, remembered on success

(defvar switchboard--connection nil
  "The live `switchboard-connection', or nil.")

(defvar switchboard--process nil
  "The daemon's process.")

(defvar switchboard--requests (make-hash-table)
  "Requests in flight: JSON-RPC id to `switchboard--request'.")

(defvar switchboard--stopping nil
  "Non-nil while `switchboard-shutdown' stops the daemon.")

(defvar switchboard--registering nil
  "The request being sent; it learns its id as it goes out.")

(defvar switchboard-last-error nil
  "The last error object the daemon answered with: a plist (:code :message :data).")

(defvar switchboard--prompt-history nil
  "Minibuffer history of `switchboard-chat' prompts.")

(cl-defmethod jsonrpc-connection-send :before
  ((_connection switchboard-connection) &key id method &allow-other-keys)
  "Register the request being sent under its ID, before sending it.
Deltas for it can then be routed even if they arrive while sending
METHOD."
  (when (and id method switchboard--registering)
    (setf (switchboard--request-id switchboard--registering) id)
    (puthash id switchboard--registering switchboard--requests)
    (setq switchboard--registering nil)))

(defun switchboard--no-params ()
  "An empty JSON object, for methods that take no params."
  (make-hash-table))

(defmacro switchboard--guarded (arglist &rest body)
  "A lambda of ARGLIST running BODY with errors turned into messages.
jsonrpc.el calls handlers from its process filter, where an error would
stop the reading of the messages that follow."
  (declare (indent 1) (debug (sexp body)))
  `(lambda ,arglist (with-demoted-errors "switchboard: %S" ,@body)))

(defun switchboard-running-p ()
  "Return non-nil when the daemon is running."
  (and switchboard--connection (jsonrpc-running-p switchboard--connection)))

(defun switchboard-busy-p ()
  "Return non-nil when requests are in flight."
  (not (hash-table-empty-p switchboard--requests)))

(defun switchboard--connection ()
  "Return the connection to the daemon, starting it if needed."
  (unless (switchboard-running-p)
    (setq switchboard--connection (switchboard--start)))
  switchboard--connection)

(defun switchboard--start ()
  "Start the daemon, send `initialize' and `initialized', return the connection."
  (let* ((name "switchboard")
         (command (switchboard--command))
         (connection
          (condition-case err
              (make-instance
               'switchboard-connection
               :name name
               :events-buffer-scrollback-size switchboard-events-buffer-size
               :notification-dispatcher #'switchboard--handle-notification
               :request-dispatcher #'switchboard--handle-request
               :on-shutdown #'switchboard--on-shutdown
               :process (lambda ()
                          (setq switchboard--process
                                (make-process
                                 :name name
                                 :command command
                                 :connection-type 'pipe
                                 :coding 'utf-8-emacs-unix
                                 :noquery t
                                 :stderr (get-buffer-create
                                          (format "*%s stderr*" name))))))
            (file-error
             (switchboard--cannot-start command (error-message-string err))))))
    (condition-case err
        (progn
          (switchboard--call connection 'initialize
                             (list :client_info (list :name "switchboard.el"
                                                      :version switchboard-version))
                             switchboard-shutdown-timeout)
          (jsonrpc-notify connection 'initialized (switchboard--no-params)))
      ((switchboard-error quit)
       (when (jsonrpc-running-p connection) (delete-process switchboard--process))
       (when (eq (car err) 'quit) (signal 'quit nil))
       (signal 'switchboard-error
               (list (format "the daemon did not start: %s%s" (cadr err)
                             (switchboard--stderr-tail connection))))))
    (add-hook 'kill-emacs-hook #'switchboard-shutdown)
    connection))

(defun switchboard--command ()
  "`switchboard-command', with a leading ~ in the program name expanded."
  (let* ((program (car switchboard-command))
         (command (cons (if (string-prefix-p "~" program) (expand-file-name program) program)
                        (cdr switchboard-command))))
    (unless (executable-find (car command))
      (switchboard--cannot-start command "no such executable"))
    command))

(defun switchboard--cannot-start (command reason)
  "Signal that COMMAND could not be started, for REASON."
  (user-error "Cannot start %s (%s): install the daemon or set `switchboard-command'"
              (car command) reason))

(defun switchboard--stderr-tail (connection)
  "The last lines CONNECTION's daemon wrote on stderr, as \"; stderr: ...\"."
  (let ((buffer (jsonrpc-stderr-buffer connection)))
    (if (not (buffer-live-p buffer))
        ""
      (with-current-buffer buffer
        (let ((text (string-trim
                     (replace-regexp-in-string
                      "^Process .* \\(?:finished\\|exited .*\\|killed .*\\)\n?" ""
                      (buffer-substring-no-properties (max (point-min) (- (point-max) 500))
                                                      (point-max))))))
          (if (string-empty-p text) "" (concat "; stderr: " text)))))))

(defun switchboard--on-shutdown (connection)
  "Forget CONNECTION, whose process has ended; report an unexpected exit."
  (when (eq connection switchboard--connection)
    (setq switchboard--connection nil)
    (let ((status (process-exit-status switchboard--process)))
      (unless (or (zerop status) switchboard--stopping)
        (display-warning 'switchboard
                         (format "the daemon exited with status %s%s" status
                                 (switchboard--stderr-tail connection))
                         :error)))))

(defun switchboard--handle-request (_connection method _params)
  "Refuse METHOD: the daemon sends no requests."
  (jsonrpc-error :code -32601 :message (format "method not found: %s" method)))

(defun switchboard--handle-notification (_connection method params)
  "Handle the daemon's notification METHOD with PARAMS."
  (with-demoted-errors "switchboard: %S"
    (pcase method
      ('chat.delta (switchboard--on-delta params))
      ('$/progress
       (message "switchboard: %s%% %s" (plist-get params :progress)
                (or (plist-get params :message) (plist-get params :status) ""))))))

(defun switchboard--on-delta (params)
  "Insert the content of the `chat.delta' PARAMS into its request's answer."
  (let ((request (gethash (plist-get params :request_id) switchboard--requests))
        (content (plist-get (plist-get params :delta) :content)))
    (when (and request
               (switchboard--request-marker request)
               (memq (plist-get params :index) '(0 nil))
               (stringp content)
               (not (string-empty-p content)))
      (setf (switchboard--request-streamed request) t)
      (switchboard--insert request content))))

(cl-defun switchboard--dispatch (connection request method params
                                            &key on-result on-error (timeout switchboard-request-timeout))
  "Send METHOD with PARAMS on CONNECTION as REQUEST, a `switchboard--request'.
ON-RESULT is called with the result, ON-ERROR with the error object (a
plist with :code, :message and :data).  Both run after REQUEST is no
longer in flight.  After TIMEOUT seconds, the request is cancelled and
ON-ERROR gets an error with code nil."
  (let ((switchboard--registering request)
        (finish (lambda ()
                  (remhash (switchboard--request-id request) switchboard--requests))))
    (condition-case err
        (jsonrpc-async-request
         connection method params
         :success-fn (switchboard--guarded (result)
                       (funcall finish)
                       (funcall on-result result))
         :error-fn (switchboard--guarded (error)
                     (funcall finish)
                     (setq switchboard-last-error error)
                     (funcall on-error error))
         :timeout-fn (switchboard--guarded ()
                       (switchboard--send-cancel (list request))
                       (funcall finish)
                       (funcall on-error
                                (list :code nil :message
                                      (format "no response after %s seconds" timeout))))
         :timeout timeout)
      ;; Not sent after all (the daemon died, say): it is not in flight.
      (error (funcall finish)
             (signal (car err) (cdr err))))
    request))

(defun switchboard--call (connection method params &optional timeout)
  "Send METHOD with PARAMS on CONNECTION and wait for the result.
Waits at most TIMEOUT seconds (`switchboard-request-timeout' if nil).
An error response signals `switchboard-error' with the daemon's message.
Quitting (\\[keyboard-quit]) while waiting cancels the request in the daemon."
  (let* ((request (switchboard--request-create))
         (outcome nil))
    (switchboard--dispatch connection request method params
                           :on-result (lambda (result) (setq outcome (list :result result)))
                           :on-error (lambda (error) (setq outcome (list :error error)))
                           :timeout (or timeout switchboard-request-timeout))
    (condition-case nil
        (while (not outcome)
          (accept-process-output nil 0.05))
      (quit
       (switchboard--send-cancel (list request))
       (signal 'quit nil)))
    (pcase outcome
      (`(:result ,result) result)
      (`(:error ,error)
       (signal 'switchboard-error (list (switchboard--error-text error) error))))))

(defun switchboard--error-text (error)
  "Describe the JSON-RPC ERROR object: its message and code."
  (let ((code (plist-get error :code)))
    (format "%s%s" (plist-get error :message) (if code (format " (error %s)" code) ""))))

(defun switchboard--report (error)
  "Show the daemon's ERROR with `message' and as a warning."
  (let ((text (switchboard--error-text error)))
    (message "switchboard: %s" text)
    (display-warning 'switchboard text :error)))

(defun switchboard--send-cancel (requests)
  "Send `$/cancelRequest' for each of REQUESTS that was sent."
  (when (switchboard-running-p)
    (dolist (request requests)
      (when-let ((id (switchboard--request-id request)))
        (jsonrpc-notify switchboard--connection '$/cancelRequest (list :id id))))))


;;;; The chat buffer

(defvar switchboard-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "C-c C-c") #'switchboard-chat)
    (define-key map (kbd "C-c C-k") #'switchboard-cancel)
    (define-key map (kbd "C-c C-i") #'switchboard-describe-image)
    (define-key map (kbd "C-c C-m") #'switchboard-select-model)
    (define-key map (kbd "C-c C-p") #'switchboard-select-profile)
    (define-key map (kbd "C-c C-l") #'switchboard-clear)
    (define-key map (kbd "q") #'quit-window)
    map)
  "Keymap of `switchboard-mode'.")

(defvar-local switchboard--history nil
  "Messages of the finished exchanges in this chat buffer, oldest first.")

(declare-function markdown-mode "ext:markdown-mode")

(defalias 'switchboard--parent-mode
  (if (fboundp 'markdown-mode) #'markdown-mode #'text-mode)
  "The mode `switchboard-mode' derives from: `markdown-mode' when installed.")

(define-derived-mode switchboard-mode switchboard--parent-mode "Switchboard"
  "Major mode of the *switchboard* chat buffer.
Answers stream in as they arrive.  The buffer is read-only.

\\{switchboard-mode-map}"
  (setq buffer-read-only t)
  (buffer-disable-undo)
  (visual-line-mode 1)
  (setq mode-line-process '(:eval (and (switchboard-busy-p) ":busy"))))

(defun switchboard--buffer ()
  "The chat buffer, created if needed."
  (or (get-buffer switchboard-buffer-name)
      (with-current-buffer (get-buffer-create switchboard-buffer-name)
        (switchboard-mode)
        (current-buffer))))

(defun switchboard--heading (text)
  "TEXT as a chat-buffer heading."
  (propertize (concat "## " text) 'font-lock-face 'switchboard-heading))

(defun switchboard--begin-exchange (heading body answer-heading)
  "Append HEADING, BODY and ANSWER-HEADING to the chat buffer and show it.
Return a marker where the answer goes."
  (let ((buffer (switchboard--buffer)))
    (with-current-buffer buffer
      (let ((inhibit-read-only t))
        (save-excursion
          (goto-char (point-max))
          (unless (bobp) (insert (if (bolp) "\n" "\n\n")))
          (insert (switchboard--heading heading) "\n\n" body "\n\n"
                  (switchboard--heading answer-heading) "\n\n")
          (let ((marker (point-marker)))
            (dolist (window (get-buffer-window-list buffer nil t))
              (set-window-point window marker))
            marker))))))

(defun switchboard--insert (request text &optional face)
  "Insert TEXT (in FACE, if non-nil) at the end of REQUEST's answer.
Windows whose point was there follow the text."
  (let* ((marker (switchboard--request-marker request))
         (buffer (and marker (marker-buffer marker))))
    (when (buffer-live-p buffer)
      (with-current-buffer buffer
        (let ((inhibit-read-only t)
              (followers (seq-filter (lambda (window) (= (window-point window) marker))
                                     (get-buffer-window-list buffer nil t))))
          (save-excursion
            (goto-char marker)
            (insert (if face (propertize text 'font-lock-face face) text))
            (set-marker marker (point)))
          (dolist (window followers)
            (set-window-point window marker)))))))

(defun switchboard--answer-heading (model)
  "The heading above an answer: MODEL and the profile, when chosen."
  (let ((details (delq nil (list model
                                 (and switchboard-profile
                                      (concat "profile " switchboard-profile))))))
    (if details (format "Answer (%s)" (string-join details ", ")) "Answer")))

(defun switchboard--result-text (result)
  "The answer's text in RESULT (a chat.completion or a describeImage result)."
  (or (plist-get result :text)
      (let ((choices (plist-get result :choices)))
        (and (vectorp choices) (> (length choices) 0)
             (plist-get (plist-get (aref choices 0) :message) :content)))))

(defun switchboard--stream (method params heading body &optional user)
  "Send METHOD with PARAMS, showing HEADING and BODY, and stream the answer.
USER, the user's message, joins the conversation when the answer is
complete.  The model named in PARAMS, if any, is shown.  Return the
`switchboard--request'."
  (let* ((connection (switchboard--connection))
         (request (switchboard--request-create
                   :user-message user
                   :marker (switchboard--begin-exchange
                            heading body (switchboard--answer-heading
                                         (plist-get params :model))))))
    (switchboard--dispatch
     connection request method params
     :on-result (lambda (result) (switchboard--finish request result))
     :on-error (lambda (error) (switchboard--fail request error)))))

(defun switchboard--finish (request result)
  "End REQUEST's answer after its RESULT arrived."
  (let ((text (switchboard--result-text result)))
    (when (and (stringp text) (not (switchboard--request-streamed request)))
      (switchboard--insert request text))
    (switchboard--insert request "\n")
    (when-let ((user (switchboard--request-user-message request))
               (buffer (marker-buffer (switchboard--request-marker request))))
      (with-current-buffer buffer
        (setq switchboard--history
              (append switchboard--history
                      (list user (list :role "assistant" :content (or text ""))))))))
  (message "switchboard: done"))

(defun switchboard--fail (request error)
  "End REQUEST's answer with a note on ERROR.
Errors other than a cancellation are reported too."
  (let ((space (if (switchboard--request-streamed request) " " "")))
    (if (eql (plist-get error :code) -32800)
        (progn
          (switchboard--insert request (concat space "[cancelled]") 'switchboard-status)
          (switchboard--insert request "\n")
          (message "switchboard: cancelled"))
      (switchboard--insert request (format "%s[error: %s]" space (switchboard--error-text error))
                           'switchboard-error)
      (switchboard--insert request "\n")
      (switchboard--report error))))

(defun switchboard--common-params (model)
  "The params every chat request carries: MODEL (if non-nil) and the profile."
  (append (and model (list :model model))
          (and switchboard-profile (list :profile switchboard-profile))))

(defun switchboard--chat-params (history user)
  "Params of a streamed `chat.complete' for the messages HISTORY then USER.
The result is the same whole completion either way, and streaming lets
the daemon's idle timeout apply."
  (append (list :messages (vconcat (and switchboard-system-prompt
                                        (list (list :role "system"
                                                    :content switchboard-system-prompt)))
                                   history
                                   (list user))
                :stream t)
          (switchboard--common-params switchboard-model)))

(defun switchboard--read-prompt (instruct)
  "Read a prompt: the active region, else from the minibuffer.
With INSTRUCT non-nil and an active region, read an instruction that
goes before the region's text."
  (let ((prompt
         (if (use-region-p)
             (let ((text (buffer-substring-no-properties (region-beginning) (region-end))))
               (deactivate-mark)
               (if instruct
                   (concat (read-string "Instruction: " nil 'switchboard--prompt-history)
                           "\n\n" text)
                 text))
           (read-string "Ask switchboard: " nil 'switchboard--prompt-history))))
    (when (string-empty-p (string-trim prompt))
      (user-error "Nothing to ask"))
    prompt))


;;;; Commands

;;;###autoload
(defun switchboard-chat (prompt)
  "Ask PROMPT and stream the answer into the *switchboard* buffer.
Interactively, PROMPT is the active region, or else read from the
minibuffer; with a prefix argument and a region, an instruction is read
and put before the region's text.  When `switchboard-remember-conversation'
is non-nil, the earlier exchanges of the buffer are sent as context."
  (interactive (list (switchboard--read-prompt current-prefix-arg)))
  (let* ((user (list :role "user" :content prompt))
         (history (and switchboard-remember-conversation
                       (buffer-local-value 'switchboard--history (switchboard--buffer))))
         (request (switchboard--stream 'chat.complete
                                       (switchboard--chat-params history user)
                                       "You" prompt user)))
    (display-buffer (switchboard--buffer))
    request))

;;;###autoload
(defun switchboard-describe-image (file &optional prompt)
  "Describe the image FILE, streaming the answer into the *switchboard* buffer.
PROMPT is the question (the daemon's default is \"Describe this
image.\"); interactively, a prefix argument reads it.  PNG, JPEG, GIF
and WebP files are accepted."
  (interactive
   (list (read-file-name "Image: " nil nil t)
         (and current-prefix-arg (read-string "Question: "))))
  (let* ((path (expand-file-name file))
         (question (and prompt (not (string-empty-p prompt)) prompt))
         (request (switchboard--stream
                   'chat.describeImage
                   (append (list :image path :stream t)
                           (and question (list :prompt question))
                           (switchboard--common-params switchboard-vision-model))
                   "Image"
                   (concat path (and question (concat "\n\n" question))))))
    (display-buffer (switchboard--buffer))
    request))

;;;###autoload
(defun switchboard-ask (prompt &optional insert)
  "Ask PROMPT, wait for the whole answer and return it as a string.
Nothing is shown while the answer streams, and no conversation is
kept.  \\[keyboard-quit] while waiting cancels the request in the
daemon.  Interactively, show the answer in the echo area, or with a
prefix argument (INSERT non-nil) insert it at point."
  (interactive (list (switchboard--read-prompt nil) current-prefix-arg))
  (let* ((result (switchboard--call (switchboard--connection) 'chat.complete
                                    (switchboard--chat-params
                                     nil (list :role "user" :content prompt))))
         (text (or (switchboard--result-text result) "")))
    (cond (insert (insert text))
          ((called-interactively-p 'interactive) (message "%s" text)))
    text))

(defun switchboard-cancel ()
  "Cancel every request in flight: send `$/cancelRequest' for each.
The daemon answers each with error -32800 and stops its stream; the
chat buffer notes \"[cancelled]\" after the text received so far."
  (interactive)
  (let ((requests (hash-table-values switchboard--requests)))
    (if (null requests)
        (message "switchboard: nothing to cancel")
      (switchboard--send-cancel requests)
      (message "switchboard: cancelling %d request%s"
               (length requests) (if (cdr requests) "s" "")))))

(defun switchboard--call-reporting (method params)
  "Like `switchboard--call' for METHOD and PARAMS, reporting an error first."
  (condition-case err
      (switchboard--call (switchboard--connection) method params)
    (switchboard-error
     (switchboard--report (nth 2 err))
     (signal (car err) (cdr err)))))

(defun switchboard-models ()
  "Return the ids of the API's models (the daemon's `models.list')."
  (let ((data (plist-get (switchboard--call-reporting 'models.list (switchboard--no-params))
                         :data)))
    (delq nil (mapcar (lambda (model) (plist-get model :id)) data))))

(defun switchboard-profiles ()
  "The names of the profiles in the daemon's configuration."
  (let ((profiles (plist-get (switchboard--call-reporting 'config.get (switchboard--no-params))
                             :profiles)))
    (cl-loop for (name _value) on profiles by #'cddr
             collect (substring (symbol-name name) 1))))

(defun switchboard--choose (variable choices)
  "Read one of CHOICES for VARIABLE, whose value is the default.
An empty answer means nil: the daemon's default."
  (let* ((what (string-remove-prefix "switchboard-" (symbol-name variable)))
         (choice (completing-read (format "%s (empty for the daemon's default): "
                                          (capitalize what))
                                  choices nil nil nil nil (symbol-value variable))))
    (and choice (not (string-empty-p choice)) choice)))

(defun switchboard--set (variable value)
  "Set VARIABLE to VALUE and say so."
  (set variable value)
  (message "switchboard: %s %s" (string-remove-prefix "switchboard-" (symbol-name variable))
           (or value "(the daemon's default)")))

;;;###autoload
(defun switchboard-select-model (model)
  "Set `switchboard-model' to MODEL, chosen among the models the API lists."
  (interactive (list (switchboard--choose 'switchboard-model (switchboard-models))))
  (switchboard--set 'switchboard-model model))

;;;###autoload
(defun switchboard-select-profile (profile)
  "Set `switchboard-profile' to PROFILE, chosen among the daemon's profiles."
  (interactive (list (switchboard--choose 'switchboard-profile (switchboard-profiles))))
  (switchboard--set 'switchboard-profile profile))

(defun switchboard-clear ()
  "Erase the chat buffer and forget the conversation."
  (interactive)
  (with-current-buffer (switchboard--buffer)
    (let ((inhibit-read-only t))
      (erase-buffer))
    (setq switchboard--history nil)))

(defun switchboard--wait-while (predicate seconds)
  "Wait for output as long as PREDICATE is true, at most SECONDS."
  (let ((deadline (+ (float-time) seconds)))
    (while (and (funcall predicate) (< (float-time) deadline))
      (accept-process-output nil 0.05))))

(defun switchboard-shutdown ()
  "Stop the daemon cleanly and wait until its process has ended.
Cancels the requests in flight, sends `shutdown' then `exit', and waits
\(at most `switchboard-shutdown-timeout' seconds a step) for the process
to end, killing it if it does not.  Runs from `kill-emacs-hook'."
  (interactive)
  (let ((connection switchboard--connection)
        (process switchboard--process)
        (switchboard--stopping t))
    (when (and connection (jsonrpc-running-p connection))
      (with-demoted-errors "switchboard: shutdown: %S"
        (switchboard--send-cancel (hash-table-values switchboard--requests))
        (switchboard--call connection 'shutdown (switchboard--no-params)
                           switchboard-shutdown-timeout)
        (jsonrpc-notify connection 'exit (switchboard--no-params)))
      (switchboard--wait-while (lambda () (process-live-p process)) switchboard-shutdown-timeout)
      (when (process-live-p process)
        (delete-process process))
      ;; The sentinel fails what is still pending and forgets the connection.
      (switchboard--wait-while (lambda () (eq switchboard--connection connection))
                               switchboard-shutdown-timeout)
      (setq switchboard--connection nil)
      (when (called-interactively-p 'interactive)
        (message "switchboard: stopped")))))

(provide 'switchboard)
;;; switchboard.el ends here
