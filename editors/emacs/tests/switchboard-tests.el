;;; switchboard-tests.el --- ERT tests for switchboard.el  -*- lexical-binding: t; -*-

;;; Commentary:

;; These tests drive the real daemon ($SWITCHBOARD_BIN) against the echo
;; upstream ($OPENAI_BASE_URL): chat answers "echo: <prompt>", streamed in
;; 3-character pieces, 0.2 s apart when the prompt contains SLOW; FAIL401
;; gets an upstream 401.  Every wait is bounded.  Run them with tests/run.

;;; Code:

(require 'ert)
(require 'cl-lib)
(require 'switchboard)

(defvar switchboard-tests--bin (getenv "SWITCHBOARD_BIN")
  "The daemon under test.")

(defun switchboard-tests--wait-until (predicate &optional seconds)
  "Process output until PREDICATE returns non-nil, at most SECONDS (10).
Return PREDICATE's last value."
  (let ((deadline (+ (float-time) (or seconds 10))))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.02))
    (funcall predicate)))

(defun switchboard-tests--idle ()
  "Wait until no request is in flight; fail if that takes too long."
  (should (switchboard-tests--wait-until (lambda () (not (switchboard-busy-p))))))

(defun switchboard-tests--text ()
  "The chat buffer's text."
  (with-current-buffer (switchboard--buffer)
    (buffer-substring-no-properties (point-min) (point-max))))

(defun switchboard-tests--answer ()
  "The text after the last \"## Answer\" heading of the chat buffer."
  (let ((text (switchboard-tests--text)))
    (if (string-match "## Answer[^\n]*\n\n\\(\\(?:.\\|\n\\)*\\)\\'" text)
        (match-string 1 text)
      "")))

(defmacro switchboard-tests--with-daemon (&rest body)
  "Run BODY with the daemon under test and a fresh chat buffer; stop it after."
  (declare (indent 0) (debug t))
  `(let ((switchboard-command (list switchboard-tests--bin))
         (switchboard-model nil)
         (switchboard-profile nil)
         (switchboard-request-timeout 30))
     (should switchboard-tests--bin)
     (when (get-buffer switchboard-buffer-name)
       (kill-buffer switchboard-buffer-name))
     (unwind-protect (progn ,@body)
       (switchboard-shutdown))))

(ert-deftest switchboard-chat-streams-in-order ()
  "Deltas arrive one by one, each extending the last, and end complete."
  (switchboard-tests--with-daemon
    (let ((prompt "SLOW stream, in order")
          (seen nil))
      (switchboard-chat prompt)
      (with-current-buffer (switchboard--buffer)
        (should (eq major-mode 'switchboard-mode))
        (should buffer-read-only))
      (switchboard-tests--wait-until
       (lambda ()
         (let ((answer (switchboard-tests--answer)))
           (unless (equal answer (car seen)) (push answer seen)))
         (not (switchboard-busy-p))))
      (should-not (switchboard-busy-p))
      (let ((final (concat "echo: " prompt "\n")))
        (should (equal (car seen) final))
        ;; The answer grew piece by piece, each state a prefix of the next.
        (should (> (length seen) 4))
        (cl-loop for (later earlier) on seen while earlier
                 do (should (string-prefix-p earlier later))))
      (should (string-match-p (concat "## You\n\n" prompt "\n\n## Answer\n\n")
                              (switchboard-tests--text))))))

(ert-deftest switchboard-chat-complete-unicode ()
  "A longer, non-ASCII answer arrives whole; the conversation is kept."
  (switchboard-tests--with-daemon
    (let ((prompt "Grüße, naïve café — ✓ 日本語 and a rather longer sentence to stream"))
      (switchboard-chat prompt)
      (switchboard-tests--idle)
      (should (equal (switchboard-tests--answer) (concat "echo: " prompt "\n")))
      (should (equal (buffer-local-value 'switchboard--history (switchboard--buffer))
                     (list (list :role "user" :content prompt)
                           (list :role "assistant" :content (concat "echo: " prompt))))))))

(ert-deftest switchboard-chat-region-prompt ()
  "With an active region, the region is the prompt and nothing is read."
  (switchboard-tests--with-daemon
    (with-temp-buffer
      (transient-mark-mode 1)
      (insert "before |the region text| after")
      (goto-char (point-min))
      (search-forward "|")
      (set-mark (point))
      (search-forward "|")
      (backward-char)
      (activate-mark)
      (should (use-region-p))
      (cl-letf (((symbol-function 'read-string)
                 (lambda (&rest _) (error "The minibuffer should not be used"))))
        (call-interactively #'switchboard-chat)))
    (switchboard-tests--idle)
    (should (string-match-p "## You\n\nthe region text\n" (switchboard-tests--text)))
    (should (equal (switchboard-tests--answer) "echo: the region text\n"))))

(ert-deftest switchboard-describe-image-streams ()
  "The image's description streams into the chat buffer."
  (switchboard-tests--with-daemon
    (let ((png (getenv "SWITCHBOARD_TEST_PNG")))
      (should (and png (file-readable-p png)))
      (cl-letf (((symbol-function 'read-file-name) (lambda (&rest _) png)))
        (call-interactively #'switchboard-describe-image))
      (switchboard-tests--idle)
      (should (string-match-p (concat "## Image\n\n" (regexp-quote png)) (switchboard-tests--text)))
      (should (equal (switchboard-tests--answer) "echo: Describe this image. [1 image]\n")))))

(ert-deftest switchboard-cancel-stops-the-stream ()
  "Cancelling a slow answer gives -32800 and \"[cancelled]\"; the text stops."
  (switchboard-tests--with-daemon
    (let ((full "echo: SLOW please count slowly to one hundred and beyond"))
      (switchboard-chat (substring full 6))
      (should (switchboard-tests--wait-until
               (lambda () (>= (length (switchboard-tests--answer)) 9))))
      (with-current-buffer (switchboard--buffer)
        (should (eq (key-binding (kbd "C-c C-k")) #'switchboard-cancel))
        (call-interactively #'switchboard-cancel))
      (should (switchboard-tests--wait-until
               (lambda () (string-suffix-p " [cancelled]\n" (switchboard-tests--answer)))))
      (should-not (switchboard-busy-p))
      (should (eql (plist-get switchboard-last-error :code) -32800))
      (let ((answer (switchboard-tests--answer)))
        (should (string-prefix-p (string-remove-suffix " [cancelled]\n" answer) full))
        (should (< (length answer) (length full)))
        ;; Unchecked, the stream would add a piece every 0.2 s.
        (switchboard-tests--wait-until #'ignore 1.0)
        (should (equal (switchboard-tests--answer) answer))))))

(ert-deftest switchboard-error-shows-daemon-message ()
  "An upstream 401 is reported with the daemon's message, in the buffer too."
  (switchboard-tests--with-daemon
    (let ((messages nil)
          (warnings nil))
      (cl-letf* ((real-message (symbol-function 'message))
                 ((symbol-function 'message)
                  (lambda (format &rest args)
                    (when format (push (apply #'format-message format args) messages))
                    (apply real-message format args)))
                 ((symbol-function 'display-warning)
                  (lambda (type text &rest _) (push (list type text) warnings))))
        (switchboard-chat "FAIL401 now")
        (switchboard-tests--idle))
      (should (cl-some (lambda (m) (string-match-p "Incorrect API key provided.*-32001" m)) messages))
      (should (equal (caar warnings) 'switchboard))
      (should (string-match-p "upstream HTTP 401: Incorrect API key provided" (cadar warnings)))
      (should (string-match-p "\\[error: upstream HTTP 401: Incorrect API key provided"
                              (switchboard-tests--answer))))))

(defun switchboard-tests--offered (command answer)
  "Call COMMAND interactively, answering ANSWER; return the choices offered."
  (let (offered)
    (cl-letf (((symbol-function 'completing-read)
               (lambda (_prompt collection &rest _)
                 (setq offered (all-completions "" collection))
                 answer)))
      (call-interactively command))
    offered))

(ert-deftest switchboard-select-model-lists-models ()
  "`switchboard-select-model' offers the API's models and sets the choice."
  (switchboard-tests--with-daemon
    (let ((offered (switchboard-tests--offered #'switchboard-select-model "gpt-4o")))
      (should (member "gpt-4o-mini" offered))
      (should (member "gpt-4o" offered))
      (should (equal switchboard-model "gpt-4o"))
      (switchboard-chat "which model?")
      (switchboard-tests--idle)
      (should (string-match-p "## Answer (gpt-4o)\n\necho: which model\\?\n"
                              (switchboard-tests--text))))))

(ert-deftest switchboard-select-profile-lists-profiles ()
  "`switchboard-select-profile' offers the configured profiles."
  (switchboard-tests--with-daemon
    (switchboard--call (switchboard--connection) 'config.update
                       (list :profiles (list :echo (list :base_url (getenv "OPENAI_BASE_URL")))))
    (let ((offered (switchboard-tests--offered #'switchboard-select-profile "echo")))
      (should (equal offered '("echo")))
      (should (equal switchboard-profile "echo"))
      (switchboard-chat "through a profile")
      (switchboard-tests--idle)
      (should (equal (switchboard-tests--answer) "echo: through a profile\n")))))

(ert-deftest switchboard-ask-waits-and-quits ()
  "The synchronous variant returns the answer; quitting cancels in the daemon."
  (switchboard-tests--with-daemon
    (should (equal (switchboard-ask "synchronous") "echo: synchronous"))
    (setq switchboard-last-error nil)
    ;; A timer stands in for the user typing C-g during the wait.  (ERT
    ;; binds `debug-on-quit', which would take the quit for itself.)
    (let ((timer (run-at-time 0.5 nil (lambda () (setq quit-flag t))))
          (debug-on-quit nil)
          (outcome nil))
      (unwind-protect
          (setq outcome (condition-case nil
                            (switchboard-ask "SLOW and long enough to still run")
                          (quit 'quit)))
        (cancel-timer timer))
      (should (eq outcome 'quit)))
    (should (switchboard-tests--wait-until
             (lambda () (eql (plist-get switchboard-last-error :code) -32800))))
    (switchboard-tests--idle)))

(ert-deftest switchboard-shutdown-ends-the-process ()
  "`switchboard-shutdown' ends the daemon cleanly, and runs when Emacs exits."
  (switchboard-tests--with-daemon
    (switchboard-chat "hello before shutdown")
    (switchboard-tests--idle)
    (let* ((process switchboard--process)
           (pid (process-id process)))
      (should (process-live-p process))
      (should (memq #'switchboard-shutdown kill-emacs-hook))
      (switchboard-shutdown)
      (should-not (process-live-p process))
      (should (eq (process-status process) 'exit))
      (should (eql (process-exit-status process) 0))
      (should-not (file-exists-p (format "/proc/%d" pid)))
      (should-not (switchboard-running-p)))))

(provide 'switchboard-tests)
;;; switchboard-tests.el ends here
