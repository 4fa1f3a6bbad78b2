;;; switchboard-rpc.el --- The Switchboard daemon and its requests  -*- lexical-binding: t; -*-

;; Copyright (C) 2025 The Switchboard authors

;; This file is not part of GNU Emacs.

;;; Commentary:

;; Starts the daemon as a subprocess on first use, with the built-in
;; jsonrpc.el (which speaks the LSP Content-Length framing the daemon
;; detects and answers in), sends `initialize', and routes each
;; `chat.delta' notification to the request it belongs to.  The
;; daemon restarts when `switchboard-command' or `switchboard-config'
;; changed since it started; `switchboard-shutdown' stops it (also from
;; `kill-emacs-hook').

;;; Code:

(require 'cl-lib)
(require 'json)
(require 'jsonrpc)
(require 'seq)
(require 'subr-x)

(defgroup switchboard nil
  "Chat with OpenAI-compatible models through the Switchboard daemon."
  :group 'tools
  :prefix "switchboard-")

(defcustom switchboard-command nil
  "Command line that starts the daemon: the program, then its arguments.
nil: the repository's own release build (.build/release/switchboard,
what the package's build step makes) when it exists, else
\"switchboard\" on `exec-path'.  For example
\\='(\"~/.local/bin/switchboard\" \"--profile\" \"local\")."
  :type '(choice (const :tag "Found automatically" nil) (repeat string)))

(defcustom switchboard-config nil
  "A configuration layer for the daemon, sent with `initialize'.
A plist of the daemon's configuration fields, for example
\\='(:base_url \"http://127.0.0.1:8080/v1\" :api_key \"\").  It wins over
the daemon's config file and environment.  Changing it restarts the
daemon on the next request."
  :type '(plist :key-type symbol :value-type sexp))

(defcustom switchboard-request-timeout 900
  "Seconds to wait for a response before giving up on a request.
nil waits forever.  The daemon has its own upstream time limits
\(`timeout_seconds', 600 by default), so this is only a safety net."
  :type '(choice (const :tag "Never" nil) number))

(defcustom switchboard-shutdown-timeout 3
  "Seconds `switchboard-shutdown' waits for each step of a clean exit."
  :type 'number)

(defcustom switchboard-events-buffer-size 0
  "Size of the \"*switchboard events*\" protocol log, in characters.
0 disables the log; nil keeps everything.  Useful for debugging."
  :type '(choice (const :tag "Unlimited" nil) integer))

(define-error 'switchboard-error "Switchboard error")

(defconst switchboard-rpc--repository
  (when-let ((file (or load-file-name buffer-file-name)))
    ;; The .el file, through links (straight.el links it into its build directory).
    (let ((source (file-truename (concat (file-name-sans-extension file) ".el"))))
      (file-name-directory (directory-file-name
                            (file-name-directory (directory-file-name (file-name-directory source)))))))
  "The repository this package lives in.
This file is editors/emacs/switchboard-rpc.el in it.")

(defclass switchboard-connection (jsonrpc-process-connection) ()
  :documentation "A JSON-RPC connection to a Switchboard daemon.")

(cl-defstruct (switchboard-request (:constructor switchboard-request-create) (:copier nil))
  "A request in flight."
  id         ; the JSON-RPC id, set as it is sent
  on-delta   ; called with each chat.delta's params, or nil
  on-tool-call ; called with each tool.call's params (agent runs), or nil
  data)      ; what the sender keeps with it

(defvar switchboard--connection nil "The live `switchboard-connection', or nil.")
(defvar switchboard--process nil "The daemon's process.")
(defvar switchboard--started-with nil "The command and config the running daemon started with.")
(defvar switchboard--requests (make-hash-table) "Requests in flight: id to `switchboard-request'.")
(defvar switchboard--stopping nil "Non-nil while `switchboard-shutdown' stops the daemon.")
(defvar switchboard--registering nil "The request being sent; it learns its id as it goes out.")

(defvar switchboard-last-error nil
  "The last error object the daemon answered with: a plist (:code :message :data).")

(cl-defmethod jsonrpc-connection-send :before
  ((_connection switchboard-connection) &key id method &allow-other-keys)
  "Register the request being sent under its ID, before sending METHOD.
Deltas for it can then be routed even if they arrive while sending."
  (when (and id method switchboard--registering)
    (setf (switchboard-request-id switchboard--registering) id)
    (puthash id switchboard--registering switchboard--requests)
    (setq switchboard--registering nil)))

(defun switchboard-rpc-no-params ()
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

(defun switchboard-rpc-requests ()
  "The requests in flight."
  (hash-table-values switchboard--requests))

(defun switchboard-rpc-command ()
  "The daemon's command line (see `switchboard-command')."
  (if switchboard-command
      (let ((program (car switchboard-command)))
        (cons (if (string-prefix-p "~" program) (expand-file-name program) program)
              (cdr switchboard-command)))
    (let ((built (and switchboard-rpc--repository
                      (expand-file-name ".build/release/switchboard" switchboard-rpc--repository))))
      (list (if (and built (file-executable-p built)) built "switchboard")))))

(defun switchboard-rpc-connection ()
  "Return the connection to the daemon, (re)starting it when needed."
  (unless (and (switchboard-running-p)
               (equal switchboard--started-with (list (switchboard-rpc-command) switchboard-config)))
    (when (switchboard-running-p)
      (switchboard-shutdown))
    (setq switchboard--connection (switchboard--start)
          switchboard--started-with (list (switchboard-rpc-command) switchboard-config)))
  switchboard--connection)

(defun switchboard--start ()
  "Start the daemon, send `initialize' and `initialized', return the connection."
  (let* ((command (switchboard-rpc-command))
         (connection (switchboard--spawn command)))
    (condition-case err
        (progn
          (switchboard-rpc-call-on connection 'initialize
                                   (append (list :client_info (list :name "switchboard.el" :version "0.2.0"))
                                           (and switchboard-config (list :config switchboard-config)))
                                   switchboard-shutdown-timeout)
          (jsonrpc-notify connection 'initialized (switchboard-rpc-no-params)))
      ((switchboard-error quit)
       (when (jsonrpc-running-p connection) (delete-process switchboard--process))
       (when (eq (car err) 'quit) (signal 'quit nil))
       (signal 'switchboard-error
               (list (format "the daemon did not start: %s%s" (cadr err)
                             (switchboard--stderr-tail connection))))))
    (add-hook 'kill-emacs-hook #'switchboard-shutdown)
    connection))

(defun switchboard--spawn (command)
  "A new connection to the daemon run as COMMAND."
  (unless (executable-find (car command))
    (user-error "Cannot start %s: build the daemon (swift build -c release) or set `switchboard-command'"
                (car command)))
  (make-instance
   'switchboard-connection
   :name "switchboard"
   :events-buffer-scrollback-size switchboard-events-buffer-size
   :notification-dispatcher #'switchboard--handle-notification
   :request-dispatcher #'switchboard--handle-request
   :on-shutdown #'switchboard--on-shutdown
   :process (lambda ()
              (setq switchboard--process
                    (make-process :name "switchboard" :command command :connection-type 'pipe
                                  :coding 'utf-8-emacs-unix :noquery t
                                  :stderr (get-buffer-create " *switchboard stderr*"))))))

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
  ;; its requests still waiting for an answer will never get one
  (maphash (lambda (id later)
             (when (eq (switchboard--later-connection later) connection)
               (switchboard--cancel-later id)))
           switchboard--later)
  (when (eq connection switchboard--connection)
    (setq switchboard--connection nil)
    (let ((status (process-exit-status switchboard--process)))
      (unless (or (zerop status) switchboard--stopping)
        (message "switchboard: the daemon exited with status %s%s" status
                 (switchboard--stderr-tail connection))))))

(defvar switchboard-conversation-changed-functions nil
  "Called with the id of a stored conversation another process changed.")

(defcustom switchboard-approve-function #'switchboard-ask-approval
  "Function deciding whether an MCP tool call may run (`tool.approve').
Called with the request's params, a plist (:name :server :arguments
...); non-nil allows the call."
  :type 'function)

(defun switchboard-ask-approval (params)
  "Ask with `y-or-n-p' whether the tool call PARAMS (`tool.approve') may run."
  (y-or-n-p (format "Run the tool %s of %s with %s? "
                    (plist-get params :name) (or (plist-get params :server) "the server")
                    (truncate-string-to-width (json-encode (or (plist-get params :arguments) (make-hash-table))) 200 nil nil "…"))))

(defvar switchboard-rpc-later-handlers nil
  "The daemon's requests answered when their work is done: (METHOD . FUNCTION).
FUNCTION is called with the request's params and ANSWER, a function
to call once with the result, now or later; it returns the function
that stops the work when the daemon cancels the request (its
`$/cancelRequest'), or nil.  A cancelled request is not answered.")

(cl-defstruct (switchboard--later (:constructor switchboard--later-create) (:copier nil))
  "A request of the daemon whose answer may come later."
  connection id result answered withdraw cancelled)

(defvar switchboard--later (make-hash-table :test 'equal)
  "The daemon's requests waiting for their answer: id to `switchboard--later'.")

(defun switchboard--later-answer (later result)
  "Answer the daemon's request LATER with RESULT, unless cancelled or answered."
  (unless (or (switchboard--later-answered later) (switchboard--later-cancelled later))
    (setf (switchboard--later-answered later) t
          (switchboard--later-result later) result)
    (when-let ((id (switchboard--later-id later)))
      (remhash id switchboard--later)
      (when (jsonrpc-running-p (switchboard--later-connection later))
        (jsonrpc-connection-send (switchboard--later-connection later) :id id :result result)))))

(cl-defmethod jsonrpc-connection-send :around
  ((connection switchboard-connection) &rest args &key id result &allow-other-keys)
  "Send ARGS on CONNECTION; the reply to a request answered later waits.
A RESULT that is a `switchboard--later' goes out as its result once
known, under ID."
  (if (not (switchboard--later-p result))
      (apply #'cl-call-next-method connection args)
    (setf (switchboard--later-id result) id)
    (if (switchboard--later-answered result)
        (cl-call-next-method connection :id id :result (switchboard--later-result result))
      (puthash id result switchboard--later))))

(defun switchboard--handle-request (connection method params)
  "Answer the daemon's request METHOD with PARAMS on CONNECTION.
`tool.approve' asks `switchboard-approve-function'; methods of
`switchboard-rpc-later-handlers' are answered when their work is done;
other methods are refused with -32601."
  (let ((later (cdr (assq method switchboard-rpc-later-handlers))))
    (cond
     ((eq method 'tool.approve)
      (list :approved (if (funcall switchboard-approve-function params) t :json-false)))
     (later
      (let ((reply (switchboard--later-create :connection connection)))
        (setf (switchboard--later-withdraw reply)
              (funcall later params (lambda (result) (switchboard--later-answer reply result))))
        reply))
     (t (jsonrpc-error :code -32601 :message (format "method not found: %s" method))))))

(defun switchboard--cancel-later (id)
  "The daemon cancelled its request ID: stop its work; it is not answered."
  (when-let ((later (gethash id switchboard--later)))
    (remhash id switchboard--later)
    (setf (switchboard--later-cancelled later) t)
    (when (functionp (switchboard--later-withdraw later))
      (funcall (switchboard--later-withdraw later)))))

(defun switchboard--handle-notification (_connection method params)
  "Route the daemon's notification METHOD with PARAMS to its request."
  (with-demoted-errors "switchboard: %S"
    (when (eq method '$/cancelRequest)
      (switchboard--cancel-later (plist-get params :id)))
    (when (eq method 'conversations.changed)
      (run-hook-with-args 'switchboard-conversation-changed-functions (plist-get params :id)))
    (let* ((request (gethash (plist-get params :request_id) switchboard--requests))
           (handler (and request (pcase method
                                   ('chat.delta (switchboard-request-on-delta request))
                                   ('tool.call (switchboard-request-on-tool-call request))))))
      (when handler
        (funcall handler params)))))

(cl-defun switchboard-rpc-send (connection request method params
                                           &key on-result on-error (timeout switchboard-request-timeout))
  "Send METHOD with PARAMS on CONNECTION as REQUEST, a `switchboard-request'.
ON-RESULT is called with the result, ON-ERROR with the error object (a
plist with :code, :message and :data).  Both run after REQUEST is no
longer in flight.  After TIMEOUT seconds, the request is cancelled and
ON-ERROR gets an error with code nil.  Return REQUEST."
  (let ((switchboard--registering request)
        (finish (lambda () (remhash (switchboard-request-id request) switchboard--requests))))
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
                       (switchboard-rpc-cancel (list request))
                       (funcall finish)
                       (funcall on-error (list :code nil :message
                                               (format "no response after %s seconds" timeout))))
         :timeout timeout)
      ;; Not sent after all (the daemon died, say): it is not in flight.
      (error (funcall finish)
             (signal (car err) (cdr err))))
    request))

(defun switchboard-rpc-call-on (connection method params &optional timeout)
  "Send METHOD with PARAMS on CONNECTION and wait for the result.
Waits at most TIMEOUT seconds (`switchboard-request-timeout' if nil).
An error response signals `switchboard-error' with the daemon's message.
Quitting (\\[keyboard-quit]) while waiting cancels the request in the daemon."
  (let* ((request (switchboard-request-create))
         (outcome nil))
    (switchboard-rpc-send connection request method params
                          :on-result (lambda (result) (setq outcome (list :result result)))
                          :on-error (lambda (error) (setq outcome (list :error error)))
                          :timeout (or timeout switchboard-request-timeout))
    (condition-case nil
        (while (not outcome)
          (accept-process-output nil 0.05))
      (quit
       (switchboard-rpc-cancel (list request))
       (signal 'quit nil)))
    (pcase outcome
      (`(:result ,result) result)
      (`(:error ,error)
       (signal 'switchboard-error (list (switchboard-error-text error) error))))))

(defun switchboard-rpc-call (method params &optional timeout)
  "Like `switchboard-rpc-call-on' for METHOD and PARAMS, on the daemon.
TIMEOUT as there."
  (switchboard-rpc-call-on (switchboard-rpc-connection) method params timeout))

(defun switchboard-error-text (error)
  "Describe the JSON-RPC ERROR object: its message and code."
  (let ((code (plist-get error :code)))
    (format "%s%s" (plist-get error :message) (if code (format " (error %s)" code) ""))))

(defun switchboard-rpc-cancel (requests)
  "Send `$/cancelRequest' for each of REQUESTS that was sent."
  (when (switchboard-running-p)
    (dolist (request requests)
      (when-let ((id (switchboard-request-id request)))
        (jsonrpc-notify switchboard--connection '$/cancelRequest (list :id id))))))

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
        (switchboard-rpc-cancel (switchboard-rpc-requests))
        (switchboard-rpc-call-on connection 'shutdown (switchboard-rpc-no-params)
                                 switchboard-shutdown-timeout)
        (jsonrpc-notify connection 'exit (switchboard-rpc-no-params)))
      (switchboard--wait-while (lambda () (process-live-p process)) switchboard-shutdown-timeout)
      (when (process-live-p process)
        (delete-process process))
      ;; The sentinel fails what is still pending and forgets the connection.
      (switchboard--wait-while (lambda () (eq switchboard--connection connection))
                               switchboard-shutdown-timeout)
      (setq switchboard--connection nil)
      (when (called-interactively-p 'interactive)
        (message "switchboard: stopped")))))

(defun switchboard-restart ()
  "Stop the daemon; the next request starts it with the current settings."
  (interactive)
  (switchboard-shutdown)
  (message "switchboard: the daemon will start again on the next request"))

(provide 'switchboard-rpc)
;;; switchboard-rpc.el ends here
